/** Docker's default Linux container layout (moby oci/defaults.go, daemon/oci_linux.go). */
import type { OciDevice, OciDeviceRule, OciMount } from './oci-spec.ts';

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS: readonly string[] = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

export function defaultMounts(o: { privileged: boolean; shmSize: number }): OciMount[] {
  const ro = o.privileged ? [] : ['ro'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...ro, 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${o.shmSize}`] },
  ];
}

/** The device nodes every container gets (runc/crun create these too; listing them keeps both runtimes equal). */
export const DEFAULT_DEVICES: readonly OciDevice[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

/** Docker's default device cgroup rules: deny all, then mknod of anything and the usual nodes. */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },   // /dev/null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },   // /dev/random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },   // /dev/full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },   // /dev/tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },   // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },   // /dev/urandom
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },   // /dev/console
  { allow: true, type: 'c', major: 136, access: 'rwm' },           // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },   // /dev/ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
];
