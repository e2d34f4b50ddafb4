/** Host device nodes for --privileged (moby oci/devices HostDevices): every char/block node under /dev. */
import { readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { OciDevice } from './oci-spec.ts';

const SKIP = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/.lxc', '/dev/.udev', '/dev/fd', '/dev/console', '/dev/ptmx']);

export function hostDevices(root = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names) {
      const p = join(dir, n);
      if (SKIP.has(p)) continue;
      let st;
      try { st = lstatSync(p); } catch { continue; }
      if (st.isDirectory()) { walk(p); continue; }
      if (!st.isCharacterDevice() && !st.isBlockDevice()) continue;
      const rdev = st.rdev;
      // glibc's major()/minor() encoding of dev_t
      const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
      const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
      out.push({ type: st.isCharacterDevice() ? 'c' : 'b', path: p, major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    }
  };
  walk(root);
  return out;
}
