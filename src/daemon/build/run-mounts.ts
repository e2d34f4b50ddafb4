/**
 * `RUN --mount` for the classic builder, with BuildKit's meaning (dockerfile/instructions runmount):
 * - `bind` (default): a path of the context, a stage or an image, read-only unless `rw` (then writes go to a
 *   throwaway copy);
 * - `cache`: a directory kept across builds (CacheMountStore), keyed by `id` (default: the target);
 * - `tmpfs`: a fresh tmpfs, `size=` bytes;
 * - `secret`, `ssh`: the classic API carries neither, so a required one fails and an optional one is left out.
 *
 * The step's cache key includes each mount's spec and, for a bind mount, what it shows: a content checksum of the
 * context path or the source image's ID; never the contents of cache or tmpfs mounts.
 */
import { cp, lstat, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { MountSpec } from '../../api/types/index.ts';
import { checksumSources, type RunMount } from '../../build/index.ts';
import { errnoCode, resolveInRoot } from '../../lib/index.ts';
import type { CacheMountStore } from './cache-mounts.ts';

/** A stage or image mounted read-only (what COPY --from uses). */
export interface MountedSource { root: string; imageId: string; cleanup(): Promise<void> }

export interface RunMountEnv {
  contextDir: string;
  contextDigests: ReadonlyMap<string, string>;
  /** The image ID a `from=` names (stage result or image), without mounting it. */
  sourceImageId(from: string): Promise<string>;
  mountFrom(from: string): Promise<MountedSource>;
  cacheMounts: CacheMountStore;
  tmpRoot: string;
  workingDir: string;
  signal?: AbortSignal;
}

/** Raised for mounts that cannot be made; the executor reports it as the step's error. */
export class RunMountError extends Error {}

function targetOf(m: RunMount, workingDir: string): string {
  if (!m.target) throw new RunMountError(`mount target is required for --mount=type=${m.type}`);
  return posix.resolve(workingDir || '/', m.target);
}

function cacheIdOf(m: RunMount, target: string): string {
  return m.id || target;
}

/** What the mounts add to the RUN step's cache key. */
export async function runMountsCacheKey(mounts: readonly RunMount[], env: RunMountEnv): Promise<unknown[]> {
  const parts: unknown[] = [];
  for (const m of mounts) {
    if (m.type === 'secret' || m.type === 'ssh') continue;
    const target = targetOf(m, env.workingDir);
    const spec = { type: m.type, target, readOnly: m.readOnly, source: m.source ?? '', from: m.from ?? '' };
    if (m.type === 'bind' && !m.from) {
      const sel = await checksumSources(env.contextDir, [m.source || '.'], { cmdName: 'RUN --mount', knownDigests: env.contextDigests, signal: env.signal })
        .catch((err: unknown) => { throw new RunMountError(`failed to compute cache key: ${(err as Error).message}`); });
      parts.push({ ...spec, content: sel.digest });
    } else if (m.type === 'bind') {
      parts.push({ ...spec, image: await env.sourceImageId(m.from!) });
    } else if (m.type === 'cache') {
      parts.push({ ...spec, id: cacheIdOf(m, target), sharing: m.sharing ?? 'shared' });
    } else {
      parts.push({ ...spec, size: m.sizeLimit });
    }
  }
  return parts;
}

/** Resolves `source` inside a mounted root (symlinks stay inside) and checks it exists. */
async function sourcePath(root: string, source: string | undefined, where: string): Promise<string> {
  const path = await resolveInRoot(root, source || '/', { followLast: true });
  try {
    await lstat(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw new RunMountError(`failed to mount ${source}: not found in ${where}`);
    throw err;
  }
  return path;
}

/** Makes the mounts, runs fn with the container's HostConfig.Mounts, then releases everything. */
export async function withRunMounts<T>(mounts: readonly RunMount[], env: RunMountEnv, fn: (specs: MountSpec[]) => Promise<T>): Promise<T> {
  const specs: MountSpec[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const step = async (i: number): Promise<T> => {
    if (i === mounts.length) return fn(specs);
    const m = mounts[i]!;
    if (m.type === 'secret' || m.type === 'ssh') {
      const what = m.type === 'secret' ? `secret ${m.id || m.target || m.source}` : `ssh ${m.id || 'default'}`;
      if (m.required) throw new RunMountError(`${what}: not found (the classic build API carries no secrets or SSH agents)`);
      return step(i + 1);
    }
    const target = targetOf(m, env.workingDir);
    if (m.type === 'tmpfs') {
      specs.push({ Type: 'tmpfs', Target: target, ...(m.sizeLimit ? { TmpfsOptions: { SizeBytes: m.sizeLimit } } : {}) });
      return step(i + 1);
    }
    let seedRoot: MountedSource | undefined;
    if (m.from) {
      seedRoot = await env.mountFrom(m.from);
      cleanups.push(() => seedRoot!.cleanup());
    }
    if (m.type === 'cache') {
      const seed = seedRoot ? await sourcePath(seedRoot.root, m.source, m.from!) : undefined;
      return env.cacheMounts.use(cacheIdOf(m, target), { uid: m.uid, gid: m.gid, mode: m.mode, locked: m.sharing === 'locked', seed }, (dir) => {
        specs.push({ Type: 'bind', Source: dir, Target: target, ReadOnly: m.readOnly, BindOptions: { CreateMountpoint: true } });
        return step(i + 1);
      });
    }
    let source = await sourcePath(seedRoot?.root ?? env.contextDir, m.source, m.from ?? 'the build context');
    if (!m.readOnly) {
      // Writes to a rw bind mount are discarded: the RUN gets a copy.
      const scratch = await mkdtemp(join(env.tmpRoot, 'bind-rw-'));
      cleanups.push(() => rm(scratch, { recursive: true, force: true }));
      const copy = join(scratch, 'src');
      await cp(source, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      source = copy;
    }
    specs.push({ Type: 'bind', Source: source, Target: target, ReadOnly: m.readOnly, BindOptions: { CreateMountpoint: true } });
    return step(i + 1);
  };
  try {
    return await step(0);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/**
 * Removes the mount points a RUN's mounts created in its container layer (BuildKit's mount stub cleaner): a
 * target, and the parents made for it, that the image did not have and that are still empty. Call after the
 * container stopped, before committing it.
 */
export async function removeMountStubs(layer: { upper: string; lowers: string[] }, targets: readonly string[]): Promise<void> {
  const inImage = async (path: string) => {
    for (const lower of layer.lowers) {
      if (await lstat(join(lower, path)).then(() => true, () => false)) return true;
    }
    return false;
  };
  const isEmptyStub = async (p: string) => {
    const st = await lstat(p).catch(() => undefined);
    if (!st) return false;
    if (st.isDirectory()) return (await readdir(p)).length === 0;
    return st.isFile() && st.size === 0;
  };
  for (const target of [...targets].sort((a, b) => b.length - a.length)) {
    for (let path = posix.normalize(target); path !== '/' && path !== '.'; path = posix.dirname(path)) {
      const p = join(layer.upper, path);
      if (!(await isEmptyStub(p)) || (await inImage(path))) break;
      await rm(p, { recursive: false, force: true }).catch(() => rmdir(p));
    }
  }
}
