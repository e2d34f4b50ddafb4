/**
 * The few syscalls Node lacks that archives need (reading/writing xattrs, creating device nodes), called from
 * libc through koffi. Synchronous; each takes microseconds. Failures become Node-style errors with `code`.
 * (storage/syscalls.ts has the same shape; archive keeps its own copy because it may import only lib.)
 */
import koffi from 'koffi';
import { constants } from 'node:os';

const libc = koffi.load('libc.so.6');
const c = {
  mknod: libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
  setxattr: libc.func('int setxattr(const char *path, const char *name, const uint8_t *value, size_t size, int flags)'),
  lgetxattr: libc.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
};

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

function check(rc: number | bigint, op: string, path: string): void {
  if (Number(rc) >= 0) return;
  const errno = koffi.errno();
  const code = errnoNames.get(errno) ?? `E${errno}`;
  const err = new Error(`${op} ${path}: ${code}`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = errno;
  err.path = path;
  throw err;
}

/** glibc's makedev. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** glibc's major/minor. */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

export function mknod(path: string, mode: number, dev: bigint = 0n): void {
  check(c.mknod(path, mode, dev), 'mknod', path);
}

/** setxattr (follows symlinks: meant for /proc/self/fd/N paths of O_PATH descriptors). */
export function setxattr(path: string, name: string, value: Uint8Array): void {
  check(c.setxattr(path, name, value, value.length, 0), 'setxattr', path);
}

/** Value of an xattr of path itself (not following a final symlink), or undefined when unset/unsupported. */
const xattrBuf = Buffer.alloc(65536);

export function lgetxattr(path: string, name: string): Buffer | undefined {
  const rc = Number(c.lgetxattr(path, name, xattrBuf, xattrBuf.length));
  if (rc < 0) {
    const code = errnoNames.get(koffi.errno());
    if (code === 'ENODATA' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return undefined;
  }
  check(rc, 'lgetxattr', path);
  return Buffer.from(xattrBuf.subarray(0, rc));
}
