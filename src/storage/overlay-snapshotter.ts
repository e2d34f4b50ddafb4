/**
 * Snapshotter on overlayfs (after containerd's overlay snapshotter). Never mounts: it returns Mount data.
 *
 * On-disk layout under `root` (= <dataRoot>/snapshots/overlay):
 *   snapshots/<id>/snapshot.json  {"version":1,"key":<key or name>,"kind":...,"parent"?:...,"labels":{},...}
 *   snapshots/<id>/fs             the snapshot's own files (upperdir when active, a lowerdir once committed)
 *   snapshots/<id>/work           overlay workdir (only for snapshots that have a parent)
 * Ids are small numbers so that lowerdir strings stay short. One record per snapshot (rather than one file for
 * all of them) keeps creating a container layer O(1) and lets parallel creates write and fsync side by side.
 *
 * Crash safety: a snapshot's directories are created before its record, and the record is deleted before the
 * directories; records are replaced atomically. On open, a directory without a record is deleted. Keys are
 * reserved in memory synchronously, so two concurrent operations can never claim the same key or id.
 */
import { mkdir, readdir, rm, lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../lib/atomic-fs.ts';
import { conflict, invalidArgument, notFound } from '../lib/errdefs.ts';
import type { Labels } from '../oci/index.ts';
import { SnapshotKind, type Mount, type SnapshotInfo, type Snapshotter, type Usage } from './snapshotter.ts';

const SCHEMA_VERSION = 1;
const RECORD = 'snapshot.json';

interface SnapshotRecord {
  id: number;
  kind: SnapshotKind;
  parent?: string;
  labels: Labels;
  created: string;
  updated: string;
}

interface RecordFile extends SnapshotRecord {
  version: number;
  key: string;
}

/** The layout before per-snapshot records (one metadata.json for all); converted on open. */
interface LegacyMetadata {
  snapshots: Record<string, SnapshotRecord>;
}

export class OverlaySnapshotter implements Snapshotter {
  readonly root: string;
  private readonly snapshots: Map<string, SnapshotRecord>;
  private nextId: number;

  private constructor(root: string, snapshots: Map<string, SnapshotRecord>) {
    this.root = root;
    this.snapshots = snapshots;
    this.nextId = Math.max(0, ...[...snapshots.values()].map((r) => r.id)) + 1;
  }

  static async open(root: string): Promise<OverlaySnapshotter> {
    const dirs = join(root, 'snapshots');
    await mkdir(dirs, { recursive: true, mode: 0o700 });
    await convertLegacyMetadata(root);
    const snapshots = new Map<string, SnapshotRecord>();
    for (const d of await readdir(dirs)) {
      const file = await readJson<RecordFile>(join(dirs, d, RECORD)).catch(() => undefined);
      if (!file || String(file.id) !== d) {
        await rm(join(dirs, d), { recursive: true, force: true }); // never fully created, or half removed
        continue;
      }
      if (file.version !== SCHEMA_VERSION) throw new Error(`unsupported snapshot record version ${file.version} in ${d}`);
      const { version: _v, key, ...rec } = file;
      snapshots.set(key, rec);
    }
    return new OverlaySnapshotter(root, snapshots);
  }

  private dir(id: number): string {
    return join(this.root, 'snapshots', String(id));
  }

  private get(key: string): SnapshotRecord {
    const r = this.snapshots.get(key);
    if (!r) throw notFound(`snapshot ${key} does not exist`);
    return r;
  }

  private async writeRecord(key: string, rec: SnapshotRecord): Promise<void> {
    await writeJsonAtomic(join(this.dir(rec.id), RECORD), { version: SCHEMA_VERSION, key, ...rec } satisfies RecordFile);
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return toInfo(key, this.get(key));
  }

  async usage(key: string): Promise<Usage> {
    return dirUsage(join(this.dir(this.get(key).id), 'fs'));
  }

  async mounts(key: string): Promise<Mount[]> {
    return this.mountsFor(this.get(key));
  }

  prepare(key: string, parent?: string, o: { labels?: Labels } = {}): Promise<Mount[]> {
    return this.create(SnapshotKind.active, key, parent, o.labels);
  }

  view(key: string, parent: string, o: { labels?: Labels } = {}): Promise<Mount[]> {
    return this.create(SnapshotKind.view, key, parent, o.labels);
  }

  private async create(kind: SnapshotKind, key: string, parent: string | undefined, labels: Labels = {}): Promise<Mount[]> {
    if (this.snapshots.has(key)) throw conflict(`snapshot ${key}: already exists`);
    if (parent !== undefined && this.get(parent).kind !== SnapshotKind.committed) throw invalidArgument(`parent ${parent} is not a committed snapshot`);
    const now = new Date().toISOString();
    const rec: SnapshotRecord = { id: this.nextId++, kind, labels: { ...labels }, created: now, updated: now };
    if (parent !== undefined) rec.parent = parent;
    this.snapshots.set(key, rec); // reserved before the first await
    try {
      const dir = this.dir(rec.id);
      await rm(dir, { recursive: true, force: true });
      await mkdir(join(dir, 'fs'), { recursive: true, mode: 0o755 });
      if (parent !== undefined) await mkdir(join(dir, 'work'), { mode: 0o700 });
      await this.writeRecord(key, rec);
    } catch (err) {
      this.snapshots.delete(key);
      await rm(this.dir(rec.id), { recursive: true, force: true });
      throw err;
    }
    return this.mountsFor(rec);
  }

  async commit(name: string, key: string, o: { labels?: Labels } = {}): Promise<void> {
    const rec = this.get(key);
    if (rec.kind !== SnapshotKind.active) throw invalidArgument(`snapshot ${key} is not active`);
    if (this.snapshots.has(name)) throw conflict(`snapshot ${name}: already exists`);
    const committed: SnapshotRecord = { ...rec, kind: SnapshotKind.committed, labels: { ...rec.labels, ...o.labels }, updated: new Date().toISOString() };
    this.snapshots.delete(key);
    this.snapshots.set(name, committed);
    try {
      await this.writeRecord(name, committed);
    } catch (err) {
      this.snapshots.delete(name);
      this.snapshots.set(key, rec);
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    const rec = this.get(key);
    const child = [...this.snapshots].find(([, r]) => r.parent === key);
    if (child) throw conflict(`cannot remove snapshot ${key}: snapshot ${child[0]} depends on it`);
    this.snapshots.delete(key);
    await unlink(join(this.dir(rec.id), RECORD)).catch(() => undefined);
    await rm(this.dir(rec.id), { recursive: true, force: true });
  }

  async walk(fn: (i: SnapshotInfo) => Promise<void>): Promise<void> {
    for (const [k, r] of [...this.snapshots]) await fn(toInfo(k, r));
  }

  /** Parent chain, nearest first. */
  private parents(rec: SnapshotRecord): SnapshotRecord[] {
    const out: SnapshotRecord[] = [];
    for (let p = rec.parent; p !== undefined; p = this.get(p).parent) out.push(this.get(p));
    return out;
  }

  private mountsFor(rec: SnapshotRecord): Mount[] {
    const parents = this.parents(rec);
    const fs = (r: SnapshotRecord) => join(this.dir(r.id), 'fs');
    if (parents.length === 0) {
      const ro = rec.kind !== SnapshotKind.active;
      return [{ type: 'bind', source: fs(rec), options: [ro ? 'ro' : 'rw', 'rbind'] }];
    }
    if (rec.kind === SnapshotKind.view) {
      if (parents.length === 1) return [{ type: 'bind', source: fs(parents[0]), options: ['ro', 'rbind'] }];
      return [{ type: 'overlay', source: 'overlay', options: ['ro', `lowerdir=${parents.map(fs).join(':')}`] }];
    }
    return [{
      type: 'overlay',
      source: 'overlay',
      options: [`workdir=${join(this.dir(rec.id), 'work')}`, `upperdir=${fs(rec)}`, `lowerdir=${parents.map(fs).join(':')}`],
    }];
  }
}

/** Writes a record per snapshot from the old single metadata.json, then removes it. Idempotent. */
async function convertLegacyMetadata(root: string): Promise<void> {
  const legacyPath = join(root, 'metadata.json');
  const legacy = await readJson<LegacyMetadata>(legacyPath);
  if (!legacy) return;
  for (const [key, rec] of Object.entries(legacy.snapshots)) {
    const dir = join(root, 'snapshots', String(rec.id));
    if ((await lstat(dir).catch(() => undefined))?.isDirectory()) await writeJsonAtomic(join(dir, RECORD), { version: SCHEMA_VERSION, key, ...rec } satisfies RecordFile);
  }
  await unlink(legacyPath);
}

function toInfo(name: string, r: SnapshotRecord): SnapshotInfo {
  const info: SnapshotInfo = { name, kind: r.kind, labels: { ...r.labels }, created: new Date(r.created), updated: new Date(r.updated) };
  if (r.parent !== undefined) info.parent = r.parent;
  return info;
}

/** Sizes of regular files and symlinks under dir, each inode once (as Docker's directory size). */
export async function dirUsage(dir: string): Promise<Usage> {
  const seen = new Set<number>();
  let size = 0;
  let inodes = 0;
  const visit = async (p: string): Promise<void> => {
    const st = await lstat(p);
    if (seen.has(st.ino)) return;
    seen.add(st.ino);
    inodes++;
    if (st.isDirectory()) {
      for (const e of await readdir(p)) await visit(join(p, e));
    } else if (st.isFile() || st.isSymbolicLink()) {
      size += st.size;
    }
  };
  try {
    await visit(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { size, inodes };
}
