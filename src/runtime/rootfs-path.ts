/**
 * Resolve a path inside a container rootfs as if the rootfs were "/": symlinks (absolute or relative) and ".."
 * never lead outside it (the idea of moby's symlink.FollowSymlinkInScope / securejoin).
 */
import { lstat, readlink } from 'node:fs/promises';
import { invalidArgument, errnoCode } from '../lib/errdefs.ts';

const MAX_LINKS = 255;

export async function resolveInRoot(rootfs: string, path: string): Promise<string> {
  const root = rootfs.replace(/\/+$/, '') || '/';
  let pending = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') { done.pop(); continue; }
    const host = `${root}/${[...done, part].join('/')}`;
    let isLink = false;
    try { isLink = (await lstat(host)).isSymbolicLink(); } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw err;
    }
    if (!isLink) { done.push(part); continue; }
    if (++links > MAX_LINKS) throw invalidArgument(`too many levels of symbolic links: ${path}`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return `${root}/${done.join('/')}`;
}
