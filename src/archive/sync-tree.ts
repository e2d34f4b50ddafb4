/**
 * Makes one directory tree equal to another, touching only what differs: the squash of a build
 * (`docker build --squash`) syncs the final image's filesystem onto a writable layer over the base image, so the
 * layer's upper directory ends up holding exactly the difference (overlayfs turns each removal into a whiteout).
 *
 * Entries are equal when type, permission bits, owner, size, mtime and (for symlinks) target match, the same test
 * as Docker's naive layer diff. Hardlinks become separate copies; sockets are skipped.
 */
import { chmod, copyFile, lchown, lstat, lutimes, mkdir, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../lib/index.ts';
import { lgetxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../lib/syscalls.ts';

const CAPABILITY_XATTR = 'security.capability';

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path, { bigint: false });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function kindOf(st: Stats): number {
  return st.mode & 0o170000;
}

async function sameEntry(src: string, s: Stats, dst: string, d: Stats): Promise<boolean> {
  if (kindOf(s) !== kindOf(d) || (s.mode & 0o7777) !== (d.mode & 0o7777) || s.uid !== d.uid || s.gid !== d.gid) return false;
  if (s.isDirectory()) return true;
  if (s.size !== d.size || s.mtimeMs !== d.mtimeMs || s.rdev !== d.rdev) return false;
  if (s.isSymbolicLink()) return (await readlink(src)) === (await readlink(dst));
  return true;
}

async function copyEntry(src: string, s: Stats, dst: string): Promise<void> {
  if (s.isSymbolicLink()) {
    await symlink(await readlink(src), dst);
    await lchown(dst, s.uid, s.gid);
    await lutimes(dst, s.atime, s.mtime);
    return;
  }
  if (s.isFile()) {
    await copyFile(src, dst);
    const cap = lgetxattr(src, CAPABILITY_XATTR);
    if (cap) lsetxattr(dst, CAPABILITY_XATTR, cap);
  } else if (s.isFIFO() || s.isCharacterDevice() || s.isBlockDevice()) {
    const type = s.isFIFO() ? S_IFIFO : s.isCharacterDevice() ? S_IFCHR : S_IFBLK;
    mknod(dst, type | (s.mode & 0o7777), BigInt(s.rdev));
  } else {
    return; // sockets
  }
  await lchown(dst, s.uid, s.gid);
  await chmod(dst, s.mode & 0o7777);
  await utimes(dst, s.atime, s.mtime);
}

/** Makes `dst` (a directory) hold what `src` holds. */
export async function syncTree(src: string, dst: string, o: { signal?: AbortSignal } = {}): Promise<void> {
  const srcNames = new Set(await readdir(src));
  for (const name of await readdir(dst)) {
    if (!srcNames.has(name)) await rm(join(dst, name), { recursive: true, force: true });
  }
  for (const name of [...srcNames].sort()) {
    o.signal?.throwIfAborted();
    const s = join(src, name);
    const d = join(dst, name);
    const ss = await lstat(s);
    const ds = await lstatOrUndefined(d);
    if (ss.isDirectory()) {
      if (ds && !ds.isDirectory()) await rm(d, { force: true });
      if (!ds || !ds.isDirectory()) await mkdir(d);
      await syncTree(s, d, o);
      // Metadata after the contents, whose changes move the directory's mtime. Only what differs: on overlayfs
      // any metadata write copies the directory up into the layer.
      const now = await lstat(d);
      if (now.uid !== ss.uid || now.gid !== ss.gid) await lchown(d, ss.uid, ss.gid);
      if ((now.mode & 0o7777) !== (ss.mode & 0o7777)) await chmod(d, ss.mode & 0o7777);
      if (now.mtimeMs !== ss.mtimeMs) await utimes(d, ss.atime, ss.mtime);
      continue;
    }
    if (ds && (await sameEntry(s, ss, d, ds))) continue;
    if (ds) await rm(d, { recursive: true, force: true });
    await copyEntry(s, ss, d);
  }
}
