/**
 * The few syscalls Node lacks (mknod, lsetxattr, mount, umount2), called from libc through koffi.
 * They are synchronous but each takes microseconds; failures become Node-style errors with `code`.
 */
import koffi from 'koffi';
import { constants } from 'node:os';

const libc = koffi.load('libc.so.6');
const c = {
  mknod: libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
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

export function mknod(path: string, mode: number, dev: bigint = 0n): void {
  check(c.mknod(path, mode, dev), 'mknod', path);
}

export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  check(c.lsetxattr(path, name, value, value.length, 0), 'lsetxattr', path);
}

/** Value of an xattr, or undefined when it is not set. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const buf = Buffer.alloc(4096);
  const rc = Number(c.lgetxattr(path, name, buf, buf.length));
  if (rc < 0 && errnoNames.get(koffi.errno()) === 'ENODATA') return undefined;
  check(rc, 'lgetxattr', path);
  return buf.subarray(0, rc);
}

export function mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(c.mount(source, target, fstype, flags, data), 'mount', target);
}

export function umount2(target: string, flags: number): void {
  check(c.umount2(target, flags), 'umount', target);
}
