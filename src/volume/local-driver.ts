/**
 * Docker's "local" volume driver.
 *
 * On-disk layout (schema version 1):
 *   <dataRoot>/volumes/<name>/            0701, root-owned
 *   <dataRoot>/volumes/<name>/_data/      0755, the data containers see (or the mount point of type/device)
 *   <dataRoot>/volumes/<name>/volume.json {"schemaVersion":1,"name","driver":"local","createdAt":RFC3339Nano,
 *                                          "labels":{},"options":{}}  written atomically (temp+fsync+rename)
 * A volume directory without volume.json is an interrupted create and is ignored by list/get.
 *
 * Options (moby local driver): none (a plain directory), or `type` + `device` (+ `o`): mount(8) of that
 * filesystem onto _data when the first reference mounts it, unmounted when the last reference goes
 * (`type=tmpfs device=tmpfs o=size=64m`, `type=none o=bind device=/host/dir`, nfs ...).
 * Reference counts live in memory: the daemon re-mounts for running containers after a restart.
 */
import { mkdir, readdir, rm, chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, errnoCode, execFile, internal, invalidArgument, KeyedMutex, notFound, readJson, writeJsonAtomic } from '../lib/index.ts';
import type { VolumeDriver, VolumeRecord } from './driver.ts';
import { validateVolumeName } from './names.ts';

const SCHEMA_VERSION = 1;
const VALID_OPTS = new Set(['type', 'o', 'device']);
const REQUIRED_WITH: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

interface VolumeFile {
  schemaVersion: number;
  name: string;
  driver: string;
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
}

export class LocalVolumeDriver implements VolumeDriver {
  readonly name = 'local';
  private readonly dir: string;
  private readonly refs = new Map<string, Set<string>>();
  private readonly lock = new KeyedMutex();

  constructor(dataRoot: string) {
    this.dir = join(dataRoot, 'volumes');
  }

  private paths(name: string): { root: string; data: string; meta: string } {
    const root = join(this.dir, name);
    return { root, data: join(root, '_data'), meta: join(root, 'volume.json') };
  }

  async create(name: string, opts: Record<string, string>, o: { labels?: Record<string, string> } = {}): Promise<VolumeRecord> {
    validateVolumeName(name);
    validateOpts(opts);
    return this.lock.run(name, async () => {
      const existing = await this.read(name);
      if (existing) return existing;
      const p = this.paths(name);
      await mkdir(this.dir, { recursive: true, mode: 0o701 });
      await mkdir(p.root, { recursive: true });
      await chmod(p.root, 0o701);
      await mkdir(p.data, { recursive: true });
      await chmod(p.data, 0o755);
      const file: VolumeFile = {
        schemaVersion: SCHEMA_VERSION, name, driver: this.name, createdAt: new Date().toISOString(),
        labels: { ...(o.labels ?? {}) }, options: { ...opts },
      };
      try {
        await writeJsonAtomic(p.meta, file);
      } catch (err) {
        await rm(p.root, { recursive: true, force: true });
        throw err;
      }
      return this.toRecord(file);
    });
  }

  async get(name: string): Promise<VolumeRecord> {
    const v = await this.read(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  async list(): Promise<VolumeRecord[]> {
    let names: string[];
    try { names = await readdir(this.dir); } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: VolumeRecord[] = [];
    for (const n of names.sort()) {
      const v = await this.read(n).catch(() => undefined);
      if (v) out.push(v);
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    await this.lock.run(name, async () => {
      const v = await this.read(name);
      if (!v) throw notFound(`remove ${name}: no such volume`);
      if ((this.refs.get(name)?.size ?? 0) > 0) throw conflict(`remove ${name}: volume has active mounts`);
      const p = this.paths(name);
      if (needsMount(v.options)) await this.unmountData(p.data);
      await rm(p.root, { recursive: true, force: true });
    });
  }

  async mount(name: string, ref: string): Promise<string> {
    return this.lock.run(name, async () => {
      const v = await this.read(name);
      if (!v) throw notFound(`get ${name}: no such volume`);
      const refs = this.refs.get(name) ?? new Set<string>();
      if (refs.size === 0 && needsMount(v.options) && !(await isMountPoint(v.mountpoint))) {
        const args = ['-t', v.options.type!];
        if (v.options.o) args.push('-o', v.options.o);
        args.push(v.options.device!, v.mountpoint);
        try {
          await execFile('mount', args);
        } catch (err) {
          throw internal(`failed to mount local volume: ${(err as Error).message.replace(/password=[^,\s]*/g, 'password=********')}`, { cause: err });
        }
      }
      refs.add(ref);
      this.refs.set(name, refs);
      return v.mountpoint;
    });
  }

  async unmount(name: string, ref: string): Promise<void> {
    await this.lock.run(name, async () => {
      const refs = this.refs.get(name);
      if (!refs?.delete(ref)) return;
      if (refs.size > 0) return;
      this.refs.delete(name);
      const v = await this.read(name);
      if (v && needsMount(v.options)) await this.unmountData(v.mountpoint);
    });
  }

  private async unmountData(path: string): Promise<void> {
    while (await isMountPoint(path)) await execFile('umount', [path]);
  }

  private async read(name: string): Promise<VolumeRecord | undefined> {
    if (name.includes('/') || name === '.' || name === '..' || name === '') return undefined;
    const f = await readJson<VolumeFile>(this.paths(name).meta);
    if (!f) return undefined;
    if (f.schemaVersion !== SCHEMA_VERSION) throw internal(`volume ${name}: unsupported metadata schema ${f.schemaVersion}`);
    return this.toRecord(f);
  }

  private toRecord(f: VolumeFile): VolumeRecord {
    return {
      name: f.name, driver: f.driver, mountpoint: this.paths(f.name).data, createdAt: new Date(f.createdAt),
      labels: f.labels, options: f.options, scope: 'local',
    };
  }
}

function validateOpts(opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) if (!VALID_OPTS.has(k)) throw invalidArgument(`invalid option: "${k}"`);
  for (const [k, req] of Object.entries(REQUIRED_WITH)) {
    if (!(k in opts)) continue;
    for (const r of req) if (!(r in opts)) throw invalidArgument(`missing required option: "${r}"`);
  }
}

function needsMount(opts: Record<string, string>): boolean {
  return Boolean(opts.type || opts.device);
}

async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) === path);
}
