/** Linux capability names and Docker's --cap-add/--cap-drop semantics (moby oci/caps). */
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../../lib/errdefs.ts';

/** Index = capability number. */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's 14 default capabilities (CapEff 00000000a80425fb). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

let allCached: string[] | undefined;

/**
 * Every capability this host can grant: known to the kernel (cap_last_cap) and present in our own bounding set
 * (here CAP_SYS_RESOURCE is not, and asking the runtime for it would fail).
 */
export function allCapabilities(): string[] {
  if (allCached) return allCached;
  let last = CAPABILITY_NAMES.length - 1;
  let bounding = (1n << 64n) - 1n;
  try { last = Math.min(last, Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim())); } catch { /* keep */ }
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) bounding = BigInt('0x' + m[1]);
  } catch { /* keep */ }
  allCached = CAPABILITY_NAMES.filter((_, i) => i <= last && ((bounding >> BigInt(i)) & 1n) === 1n);
  return allCached;
}

/** 'net_admin' / 'NET_ADMIN' / 'CAP_NET_ADMIN' -> 'CAP_NET_ADMIN'; 'ALL' stays 'ALL'. */
export function normalizeCapability(name: string): string {
  const up = name.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const full = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!(CAPABILITY_NAMES as readonly string[]).includes(full)) throw invalidArgument(`unknown capability: "${full}"`);
  return full;
}

/** The capability list of a container (moby caps.TweakCapabilities). */
export function resolveCapabilities(o: { privileged: boolean; capAdd: string[]; capDrop: string[] }): string[] {
  const all = allCapabilities();
  if (o.privileged) return [...all];
  const add = o.capAdd.map(normalizeCapability);
  const drop = o.capDrop.map(normalizeCapability);
  const usable = (c: string) => all.includes(c);
  let caps: string[];
  if (add.includes('ALL')) caps = all.filter((c) => !drop.includes(c));
  else if (drop.includes('ALL')) caps = add.filter(usable);
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add.filter(usable)];
  return [...new Set(caps)];
}
