/** Mounts Mount[] data (from a Snapshotter) onto a target with mount(2), and unmounts; both idempotent. */
import { readFile } from 'node:fs/promises';
import { internal, errnoCode } from '../lib/errdefs.ts';
import type { Mount } from './snapshotter.ts';
import { mount, umount2, MountFlags, UmountFlags } from '../lib/syscalls.ts';

/** The kernel refuses mount data longer than a page. */
const MAX_MOUNT_DATA = 4095;

export async function mountAll(mounts: readonly Mount[], target: string): Promise<void> {
  if (await isMountPoint(target)) return;
  for (const m of mounts) mountOne(m, target);
}

function mountOne(m: Mount, target: string): void {
  const ro = m.options.includes('ro');
  try {
    if (m.type === 'bind') {
      const flags = MountFlags.bind | (m.options.includes('rbind') ? MountFlags.rec : 0);
      mount(m.source, target, null, flags, null);
      // A bind mount ignores MS_RDONLY on creation; read-only needs a remount.
      if (ro) mount('', target, null, MountFlags.remount | MountFlags.bind | MountFlags.rdonly, null);
      return;
    }
    const data = m.options.filter((o) => o !== 'ro' && o !== 'rw').join(',');
    if (data.length > MAX_MOUNT_DATA) throw internal(`mount options for ${target} too long (${data.length} bytes)`);
    mount(m.source, target, m.type, ro ? MountFlags.rdonly : 0, data);
  } catch (err) {
    throw internal(`failed to mount ${m.type} on ${target}: ${(err as Error).message}`, { cause: err });
  }
}

/** Unmounts target (every mount stacked on it); fine when nothing is mounted or target is gone. */
export async function unmountAll(target: string): Promise<void> {
  for (let i = 0; i < 16 && (await isMountPoint(target)); i++) {
    try {
      umount2(target, UmountFlags.nofollow);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EINVAL' || code === 'ENOENT') return;
      if (code === 'EBUSY') {
        umount2(target, UmountFlags.nofollow | UmountFlags.detach);
        continue;
      }
      throw internal(`failed to unmount ${target}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** True when target is a mount point in this mount namespace (from /proc/self/mountinfo). */
export async function isMountPoint(target: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp !== undefined && unescapeMountinfo(mp) === target) return true;
  }
  return false;
}

function unescapeMountinfo(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) : s;
}

/** The directory a layer is written into for these mounts: a bind's source or an overlay's upperdir. */
export function writableDir(mounts: readonly Mount[]): string {
  const m = mounts[0];
  if (mounts.length === 1 && m.type === 'bind' && !m.options.includes('ro')) return m.source;
  const upper = m?.options.find((o) => o.startsWith('upperdir='));
  if (mounts.length === 1 && m.type === 'overlay' && upper) return upper.slice('upperdir='.length);
  throw internal('mounts have no writable directory');
}
