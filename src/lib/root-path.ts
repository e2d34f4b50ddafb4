/**
 * Path resolution inside a container's filesystem as the container sees it, from the host: every symlink
 * (absolute or relative) is evaluated component by component with the container root as "/", and ".." clamps
 * at that root, so a resolved path never leaves it (moby symlink.FollowSymlinkInScope, containerd fs.RootPath).
 *
 * The container's view may include mounts (volumes, binds) that exist only in its own mount namespace; the
 * caller passes them as `mounts` (container destination → host source) and resolution crosses into them, as
 * the container would: a symlink inside a volume that says "/etc" means the container's /etc.
 *
 * Resolution is a check-then-use on paths; the operations in this module that write or read then open what
 * they resolved with O_NOFOLLOW and verify the descriptor's real location (see safe-fs.ts), so a concurrent
 * symlink swap can at worst redirect to another place inside the same root, never outside it.
 */
import { lstat, readlink } from 'node:fs/promises';
import { invalidArgument, errnoCode } from './errdefs.ts';

/** A mount in the container's view: `destination` (container path) is served from `source` (host path). */
export interface PathMount { destination: string; source: string }

/** The container filesystem as seen from the host: its rootfs directory plus its mounts. */
export interface ContainerView { root: string; mounts?: readonly PathMount[] }

export interface ResolveOptions {
  /** Evaluate a symlink in the last component too (default false: the link itself is returned). */
  followLast?: boolean;
  mounts?: readonly PathMount[];
}

const MAX_LINKS = 255;

/** Normalises a container path to an absolute, clean form ("/a/b"); ".." clamps at "/". */
export function cleanContainerPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Host path serving the (clean, absolute) container path: the longest matching mount wins, else the root. */
export function hostPathOf(view: ContainerView, containerPath: string): string {
  const m = mountOf(view, containerPath);
  const dest = m ? cleanContainerPath(m.destination) : '/';
  const rest = dest === '/' ? containerPath : containerPath.slice(dest.length);
  const base = (m ? m.source : view.root).replace(/\/+$/, '');
  return rest === '/' || rest === '' ? base || '/' : `${base}${rest}`;
}

/** The mount the container path lies in, if any (longest destination prefix). */
export function mountOf(view: ContainerView, containerPath: string): PathMount | undefined {
  let best: PathMount | undefined;
  let bestLen = -1;
  for (const m of view.mounts ?? []) {
    const d = cleanContainerPath(m.destination);
    const inside = d === '/' || containerPath === d || containerPath.startsWith(`${d}/`);
    if (inside && d.length > bestLen) { best = m; bestLen = d.length; }
  }
  return best;
}

/**
 * Resolves `path` inside the container view and returns the resolved container path ("/etc/hosts"), with every
 * symlink evaluated in scope (the last one only with followLast). Missing components are kept as they are.
 */
export async function resolveContainerPath(view: ContainerView, path: string, o: { followLast?: boolean } = {}): Promise<string> {
  let pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  let missing = false;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') { done.pop(); continue; }
    if (missing || (pending.length === 0 && !o.followLast)) { done.push(part); continue; }
    const host = hostPathOf(view, `/${[...done, part].join('/')}`);
    let isLink = false;
    try {
      isLink = (await lstat(host)).isSymbolicLink();
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      missing = true; // nothing below a missing component can be a symlink
    }
    if (!isLink) { done.push(part); continue; }
    if (++links > MAX_LINKS) throw invalidArgument(`too many links in ${path}`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter((p) => p !== ''), ...pending];
  }
  return `/${done.join('/')}`;
}

/**
 * The host path of `path` resolved inside `root` (see resolveContainerPath); never outside root or a mount.
 * This is the one implementation of in-root resolution in Berth (runtime/rootfs-path.ts is a duplicate).
 */
export async function resolveInRoot(root: string, path: string, o: ResolveOptions = {}): Promise<string> {
  const view: ContainerView = { root, mounts: o.mounts };
  return hostPathOf(view, await resolveContainerPath(view, path, o));
}
