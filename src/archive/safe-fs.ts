/**
 * Race-free access to paths inside a container view. A directory is opened by walking an already-resolved
 * container path one component at a time from a trusted descriptor (the rootfs or a mount source), each step
 * through `/proc/self/fd/<fd>/<name>` with O_NOFOLLOW|O_DIRECTORY. A symlink swapped in by a running container
 * therefore makes the walk fail instead of leading elsewhere; the final component of an operation is always a
 * single name under such a descriptor and is never followed.
 */
import { constants } from 'node:fs';
import { mkdir, open, chmod, type FileHandle } from 'node:fs/promises';
import { errnoCode, invalidArgument } from '../lib/index.ts';
import { cleanContainerPath, mountOf, type ContainerView } from '../lib/root-path.ts';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;
/** O_PATH (x86_64/aarch64 Linux value): a handle naming an inode without opening it for I/O. */
export const O_PATH = 0o10000000;

/** An open directory and the /proc path through which names under it are reached without re-resolution. */
export class DirHandle implements AsyncDisposable {
  readonly handle: FileHandle;
  /** Container path of this directory. */
  readonly containerPath: string;
  constructor(handle: FileHandle, containerPath: string) {
    this.handle = handle;
    this.containerPath = containerPath;
  }
  get proc(): string { return `/proc/self/fd/${this.handle.fd}`; }
  /** Host-visible path of the name `base` directly under this directory (never re-resolves parents). */
  child(base: string): string { return `${this.proc}/${base}`; }
  close(): Promise<void> { return this.handle.close(); }
  async [Symbol.asyncDispose](): Promise<void> { await this.handle.close().catch(() => {}); }
}

/** Opens a directory named `base` under `parent` without following a symlink there. */
export async function openChildDir(parent: DirHandle, base: string): Promise<DirHandle> {
  const fh = await open(parent.child(base), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  return new DirHandle(fh, joinContainer(parent.containerPath, base));
}

export interface OpenDirOptions {
  /** Create missing directories (mode `mode`, default 0755) instead of failing. */
  create?: boolean;
  mode?: number;
  /** Called for every directory created. */
  onCreate?: (dir: DirHandle) => Promise<void>;
}

/**
 * Opens the directory at a resolved (symlink-free) container path of the view. Crossing a mount destination
 * continues from the mount's source. Fails with ELOOP/ENOTDIR when a component is (or became) a symlink or
 * a non-directory.
 */
export async function openDirInView(view: ContainerView, containerPath: string, o: OpenDirOptions = {}): Promise<DirHandle> {
  const path = cleanContainerPath(containerPath);
  let cur = await openTrusted(view, '/');
  try {
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const cpath = `/${parts.slice(0, i + 1).join('/')}`;
      const m = mountOf(view, cpath);
      let next: DirHandle;
      if (m && cleanContainerPath(m.destination) === cpath) {
        next = await openTrusted(view, cpath);
      } else {
        try {
          next = await openChildDir(cur, part);
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT' || !o.create) throw err;
          await mkdir(cur.child(part), { mode: 0o700 }).catch((e: unknown) => { if (errnoCode(e) !== 'EEXIST') throw e; });
          next = await openChildDir(cur, part);
          await next.handle.chmod(o.mode ?? 0o755);
          await o.onCreate?.(next);
        }
      }
      await cur.close();
      cur = next;
    }
    return cur;
  } catch (err) {
    await cur.close().catch(() => {});
    if (errnoCode(err) === 'ELOOP') throw invalidArgument(`path ${path} changed while in use (symlink in the way)`, { cause: err });
    throw err;
  }
}

/** Opens the trusted host directory serving a container path that is the root or a mount destination. */
async function openTrusted(view: ContainerView, containerPath: string): Promise<DirHandle> {
  const m = containerPath === '/' ? mountOf(view, '/') : mountOf(view, containerPath);
  const host = m ? m.source : view.root;
  const fh = await open(host, O_RDONLY | O_DIRECTORY);
  return new DirHandle(fh, containerPath);
}

/** Opens `base` under `dir` as an O_PATH handle without following it; `proc` reaches the inode itself. */
export async function openPathHandle(dir: DirHandle, base: string): Promise<FileHandle> {
  return open(dir.child(base), O_PATH | O_NOFOLLOW);
}

/** chmod through an O_PATH handle (follows the /proc magic link to the exact inode). */
export async function chmodHandle(fh: FileHandle, mode: number): Promise<void> {
  await chmod(`/proc/self/fd/${fh.fd}`, mode);
}

export function joinContainer(dir: string, base: string): string {
  return dir === '/' ? `/${base}` : `${dir}/${base}`;
}

export function splitContainer(path: string): { dir: string; base: string } {
  const p = cleanContainerPath(path);
  const i = p.lastIndexOf('/');
  return { dir: i <= 0 ? '/' : p.slice(0, i), base: p.slice(i + 1) };
}
