/**
 * Resolves a path inside a root following symlinks but never leaving the root: an absolute link target is
 * taken relative to the root and `..` stops at the root (moby/sys/symlink FollowSymlinkInScope).
 */
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { errnoCode } from '../../lib/index.ts';

/** Returns the resolved path relative to root ('' is the root itself). Missing components are kept as named. */
export async function resolveInScope(root: string, rel: string, o: { followLast?: boolean } = {}): Promise<string> {
  const followLast = o.followLast ?? true;
  let pending = rel.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') { done.pop(); continue; }
    const candidate = [...done, part].join('/');
    if (pending.length === 0 && !followLast) { done.push(part); break; }
    let isLink = false;
    try {
      isLink = (await lstat(posix.join(root, candidate))).isSymbolicLink();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw err;
    }
    if (!isLink) { done.push(part); continue; }
    if (++links > 255) throw new Error(`too many links in ${rel}`);
    const target = await readlink(posix.join(root, candidate));
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...pending];
  }
  return done.join('/');
}
