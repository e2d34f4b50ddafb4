/**
 * Directories kept across builds for `RUN --mount=type=cache` (BuildKit's exec.cachemount records): one per cache
 * id (the id, else the target path), shared by every build of the daemon. Part of the build cache: listed by
 * `system df` and removed by `builder prune` when no RUN is using them.
 *
 * Layout under root: `<sha256(id)>/data` (what RUN sees) and `<sha256(id)>/record.json` ({ id, createdAt,
 * lastUsedAt, usageCount }). A directory is created as `<hash>.tmp-*` and renamed into place, so a crash leaves no
 * half-made cache; leftovers of that kind are removed when the store opens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedMutex, errnoCode, readJson, writeJsonAtomic } from '../../lib/index.ts';
import { dirSize } from '../../volume/index.ts';

interface CacheRecord { id: string; createdAt: string; lastUsedAt: string; usageCount: number }

export interface CacheMountUsage extends CacheRecord {
  /** Key of the record (the hash directory name). */
  key: string;
  size: number;
  inUse: boolean;
}

export interface CacheMountOptions {
  /** Owner and mode of a new cache directory (BuildKit: uid/gid 0, mode 0755). */
  uid?: number;
  gid?: number;
  mode?: number;
  /** `sharing=locked`: one RUN at a time holds the cache. */
  locked?: boolean;
  /** A directory whose content seeds a new cache (`from=` with `source=`). */
  seed?: string;
}

export class CacheMountStore {
  private readonly root: string;
  private readonly inUse = new Map<string, number>();
  private readonly locks = new KeyedMutex();

  private constructor(root: string) {
    this.root = root;
  }

  static async open(root: string): Promise<CacheMountStore> {
    await mkdir(root, { recursive: true, mode: 0o700 });
    for (const name of await readdir(root)) {
      if (name.includes('.tmp-')) await rm(join(root, name), { recursive: true, force: true });
    }
    return new CacheMountStore(root);
  }

  private keyOf(id: string): string {
    return createHash('sha256').update(id).digest('hex');
  }

  /** Runs fn with the cache's data directory (created on first use), counting the use. */
  async use<T>(id: string, o: CacheMountOptions, fn: (dir: string) => Promise<T>): Promise<T> {
    const key = this.keyOf(id);
    const run = async () => {
      this.inUse.set(key, (this.inUse.get(key) ?? 0) + 1);
      try {
        const dir = await this.ensure(key, id, o);
        return await fn(dir);
      } finally {
        const n = (this.inUse.get(key) ?? 1) - 1;
        if (n <= 0) this.inUse.delete(key);
        else this.inUse.set(key, n);
      }
    };
    return o.locked ? this.locks.run(key, run) : run();
  }

  private async ensure(key: string, id: string, o: CacheMountOptions): Promise<string> {
    const dir = join(this.root, key);
    const now = new Date().toISOString();
    const record = await readJson<CacheRecord>(join(dir, 'record.json'));
    if (record) {
      await writeJsonAtomic(join(dir, 'record.json'), { ...record, lastUsedAt: now, usageCount: record.usageCount + 1 });
      return join(dir, 'data');
    }
    const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(join(tmp, 'data'), { recursive: true });
      if (o.seed) await cp(o.seed, join(tmp, 'data'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      await chown(join(tmp, 'data'), o.uid ?? 0, o.gid ?? 0);
      await chmod(join(tmp, 'data'), o.mode ?? 0o755);
      await writeJsonAtomic(join(tmp, 'record.json'), { id, createdAt: now, lastUsedAt: now, usageCount: 1 } satisfies CacheRecord);
      await rename(tmp, dir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      // Another build created it meanwhile.
      if (errnoCode(err) !== 'ENOTEMPTY' && errnoCode(err) !== 'EEXIST') throw err;
    }
    return join(dir, 'data');
  }

  async list(): Promise<CacheMountUsage[]> {
    const out: CacheMountUsage[] = [];
    for (const key of await readdir(this.root)) {
      if (key.includes('.tmp-')) continue;
      const record = await readJson<CacheRecord>(join(this.root, key, 'record.json'));
      if (!record) continue;
      out.push({ ...record, key, size: await dirSize(join(this.root, key, 'data')), inUse: this.inUse.has(key) });
    }
    return out;
  }

  /** Removes caches no RUN is using (`keep` says which to spare); returns what went. */
  async prune(keep: (c: CacheMountUsage) => boolean = () => false): Promise<CacheMountUsage[]> {
    const removed: CacheMountUsage[] = [];
    for (const c of await this.list()) {
      if (c.inUse || keep(c)) continue;
      // Renamed away first: a build starting now sees no record and makes a fresh cache.
      const doomed = join(this.root, `${c.key}.tmp-${randomBytes(4).toString('hex')}`);
      await rename(join(this.root, c.key), doomed);
      await rm(doomed, { recursive: true, force: true });
      removed.push(c);
    }
    return removed;
  }
}
