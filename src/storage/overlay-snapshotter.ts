/**
 * Snapshotter on overlayfs (after containerd's overlay snapshotter). Never mounts: it returns Mount data.
 *
 * On-disk layout under `root` (= <dataRoot>/snapshots/overlay):
 *   metadata.json              {"version":1,"nextId":N,"snapshots":{<key or name>: SnapshotRecord}}
 *   snapshots/<id>/fs          the snapshot's own files (upperdir when active, a lowerdir once committed)
 *   snapshots/<id>/work        overlay workdir (only for snapshots that have a parent)
 * Ids are small numbers so that lowerdir strings stay short.
 *
 * Crash safety: directories are created before the record that names them is written, and records are
 * deleted before their directories; metadata.json is replaced atomically. On open, directories that no
 * record names are deleted.
 */
import { mkdir, readdir, rm, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../lib/atomic-fs.ts';
import { conflict, invalidArgument, notFound } from '../lib/errdefs.ts';
import { KeyedMutex } from '../lib/keyed-mutex.ts';
import type { Labels } from '../oci/index.ts';
import { SnapshotKind, type Mount, type SnapshotInfo, type Snapshotter, type Usage } from './snapshotter.ts';

const SCHEMA_VERSION = 1;

interface SnapshotRecord {
  id: number;
  kind: SnapshotKind;
  parent?: string;
  labels: Labels;
  created: string;
  updated: string;
}

interface Metadata {
  version: number;
  nextId: number;
  snapshots: Record<string, SnapshotRecord>;
}

export class OverlaySnapshotter implements Snapshotter {
  readonly root: string;
  private meta: Metadata;
  private readonly lock = new KeyedMutex();

  private constructor(root: string, meta: Metadata) {
    this.root = root;
    this.meta = meta;
  }

  static async open(root: string): Promise<OverlaySnapshotter> {
    await mkdir(join(root, 'snapshots'), { recursive: true, mode: 0o700 });
    const meta = (await readJson<Metadata>(join(root, 'metadata.json'))) ?? { version: SCHEMA_VERSION, nextId: 1, snapshots: {} };
    if (meta.version !== SCHEMA_VERSION) throw new Error(`unsupported snapshot metadata version ${meta.version}`);
    const s = new OverlaySnapshotter(root, meta);
    await s.removeOrphanDirs();
    return s;
  }

  private async removeOrphanDirs(): Promise<void> {
    const known = new Set(Object.values(this.meta.snapshots).map((r) => String(r.id)));
    for (const d of await readdir(join(this.root, 'snapshots'))) {
      if (!known.has(d)) await rm(join(this.root, 'snapshots', d), { recursive: true, force: true });
    }
  }

  private dir(id: number): string {
    return join(this.root, 'snapshots', String(id));
  }

  private get(key: string): SnapshotRecord {
    const r = this.meta.snapshots[key];
    if (!r) throw notFound(`snapshot ${key} does not exist`);
    return r;
  }

  private async save(): Promise<void> {
    await writeJsonAtomic(join(this.root, 'metadata.json'), this.meta);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run('meta', fn);
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

  private create(kind: SnapshotKind, key: string, parent: string | undefined, labels: Labels = {}): Promise<Mount[]> {
    return this.serial(async () => {
      if (this.meta.snapshots[key]) throw conflict(`snapshot ${key}: already exists`);
      if (parent !== undefined) {
        const p = this.get(parent);
        if (p.kind !== SnapshotKind.committed) throw invalidArgument(`parent ${parent} is not a committed snapshot`);
      }
      const id = this.meta.nextId++;
      const dir = this.dir(id);
      await rm(dir, { recursive: true, force: true });
      await mkdir(join(dir, 'fs'), { recursive: true, mode: 0o755 });
      if (parent !== undefined) await mkdir(join(dir, 'work'), { mode: 0o700 });
      const now = new Date().toISOString();
      const rec: SnapshotRecord = { id, kind, labels: { ...labels }, created: now, updated: now };
      if (parent !== undefined) rec.parent = parent;
      this.meta.snapshots[key] = rec;
      await this.save();
      return this.mountsFor(rec);
    });
  }

  commit(name: string, key: string, o: { labels?: Labels } = {}): Promise<void> {
    return this.serial(async () => {
      const rec = this.get(key);
      if (rec.kind !== SnapshotKind.active) throw invalidArgument(`snapshot ${key} is not active`);
      if (this.meta.snapshots[name]) throw conflict(`snapshot ${name}: already exists`);
      delete this.meta.snapshots[key];
      this.meta.snapshots[name] = {
        ...rec, kind: SnapshotKind.committed, labels: { ...rec.labels, ...o.labels }, updated: new Date().toISOString(),
      };
      await this.save();
    });
  }

  remove(key: string): Promise<void> {
    return this.serial(async () => {
      const rec = this.get(key);
      const child = Object.entries(this.meta.snapshots).find(([, r]) => r.parent === key);
      if (child) throw conflict(`cannot remove snapshot ${key}: snapshot ${child[0]} depends on it`);
      delete this.meta.snapshots[key];
      await this.save();
      await rm(this.dir(rec.id), { recursive: true, force: true });
    });
  }

  async walk(fn: (i: SnapshotInfo) => Promise<void>): Promise<void> {
    for (const [k, r] of Object.entries(this.meta.snapshots)) await fn(toInfo(k, r));
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
