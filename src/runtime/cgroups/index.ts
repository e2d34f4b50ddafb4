/** The host's cgroup hierarchy, v1 or v2, detected once (cgroup.controllers exists only at a v2 root). */
import { existsSync } from 'node:fs';
import type { CgroupFs } from './sample.ts';
import { cgroupV1 } from './v1.ts';
import { cgroupV2 } from './v2.ts';

export type { CgroupFs, CgroupSample } from './sample.ts';
export { cgroupV1, cgroupV2 };

export const CGROUP_ROOT = '/sys/fs/cgroup';

export function detectCgroupFs(root = CGROUP_ROOT, procRoot = '/proc'): CgroupFs {
  return existsSync(`${root}/cgroup.controllers`) ? cgroupV2(root, procRoot) : cgroupV1(root, procRoot);
}

let host: CgroupFs | undefined;
/** The hierarchy mounted at /sys/fs/cgroup. */
export function hostCgroups(): CgroupFs {
  return (host ??= detectCgroupFs());
}
