/** `--device /dev/x[:/dev/y[:rwm]]` (HostConfig.Devices) as OCI device nodes with their cgroup permissions. */
import { stat } from 'node:fs/promises';
import { invalidArgument } from '../../lib/index.ts';
import type { HostConfig } from '../../api/types/index.ts';
import type { SpecInput } from '../../runtime/index.ts';

type DeviceMapping = { PathOnHost: string; PathInContainer?: string; CgroupPermissions?: string };

export async function deviceNodes(hc: HostConfig): Promise<SpecInput['devices']> {
  const out: NonNullable<SpecInput['devices']> = [];
  for (const d of (hc.Devices as DeviceMapping[] | undefined) ?? []) {
    const access = d.CgroupPermissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(access)) throw invalidArgument(`invalid device mode: ${access}`);
    const st = await stat(d.PathOnHost).catch(() => undefined);
    if (!st) throw invalidArgument(`error gathering device information while adding custom device "${d.PathOnHost}": no such file or directory`);
    if (!st.isCharacterDevice() && !st.isBlockDevice()) throw invalidArgument(`error gathering device information while adding custom device "${d.PathOnHost}": not a device node`);
    const rdev = st.rdev;
    out.push({
      access,
      device: {
        type: st.isCharacterDevice() ? 'c' : 'b', path: d.PathInContainer || d.PathOnHost,
        major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
        fileMode: st.mode & 0o777, uid: 0, gid: 0,
      },
    });
  }
  return out.length ? out : undefined;
}
