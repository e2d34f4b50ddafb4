/**
 * The few syscalls Node lacks (mknod, xattrs, mount, umount2), called from libc through koffi. Shared by storage
 * (layer unpacking, overlay mounts) and archive (docker cp). Synchronous, each microseconds; failures become
 * Node-style errors with `code`.
 */
import koffi from 'koffi';
import { constants } from 'node:os';

const libc = koffi.load('libc.so.6');
const c = {
  mknod: libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
  setxattr: libc.func('int setxattr(const char *path, const char *name, const uint8_t *value, size_t size, int flags)'),
  lsetxattr: libc.func('int lsetxattr(const char *path, const char *name, const uint8_t *value, size_t size, int flags)'),
  lgetxattr: libc.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
  mount: libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
  umount2: libc.func('int umount2(const char *target, int flags)'),
};

export const MountFlags = { rdonly: 1, nosuid: 2, nodev: 4, noexec: 8, remount: 32, bind: 4096, rec: 16384 } as const;
export const UmountFlags = { detach: 2, nofollow: 8 } as const;
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

export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  check(c.lsetxattr(path, name, value, value.length, 0), 'lsetxattr', path);
}

const xattrBuf = Buffer.alloc(65536);

/** Value of an xattr of path itself (not following a final symlink), or undefined when unset/unsupported. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const rc = Number(c.lgetxattr(path, name, xattrBuf, xattrBuf.length));
  if (rc < 0) {
    const code = errnoNames.get(koffi.errno());
    if (code === 'ENODATA' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return undefined;
  }
  check(rc, 'lgetxattr', path);
  return Buffer.from(xattrBuf.subarray(0, rc));
}

export function mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(c.mount(source, target, fstype, flags, data), 'mount', target);
}

export function umount2(target: string, flags: number): void {
  check(c.umount2(target, flags), 'umount', target);
}
