/** What one stats sample of a container holds, whatever the cgroup version, and the host-wide figures beside it. */
import { readFile } from 'node:fs/promises';

export interface BlkioEntry { major: number; minor: number; op: string; value: number }

/** Raw cgroup and procfs figures for one container sample (the daemon shapes them as Docker's stats JSON). */
export interface CgroupSample {
  cpuTotal: number;          // ns
  cpuPerCpu: number[];       // empty on cgroup v2, as with Docker
  cpuUser: number;           // ns
  cpuSystem: number;         // ns
  throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  systemCpu: number;         // ns, host-wide (from /proc/stat)
  onlineCpus: number;
  memUsage: number;
  memMaxUsage: number;
  /** Infinity when unlimited (v2 "max"); v1 reports a huge number instead. */
  memLimit: number;
  memStats: Record<string, number>;
  pids: number;
  /** 0 when unlimited. */
  pidsLimit: number;
  blkio: BlkioEntry[];
  blkioOps: BlkioEntry[];
  networks: Record<string, { rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number; tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number }>;
}

/** The cgroup hierarchy as Berth uses it: one implementation per cgroup version. */
export interface CgroupFs {
  readonly version: 1 | 2;
  /** True when the kernel OOM-killed a process of this cgroup. */
  oomKilled(cgroupsPath: string): Promise<boolean>;
  sample(cgroupsPath: string, pid: number): Promise<CgroupSample>;
  /** Every directory holding a child cgroup of `parent` (one per v1 controller, or one on v2), with its name. */
  children(parent: string): Promise<{ dir: string; name: string }[]>;
}

/** `key value` lines (cpu.stat, memory.stat, memory.events...). */
export async function readKeyed(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** A single-number file; `max` (v2 for "no limit") reads as `unlimited`, a missing file as 0. */
export async function readNumber(path: string, unlimited = 0): Promise<number> {
  const t = (await readFile(path, 'utf8').catch(() => '')).trim();
  return t === 'max' ? unlimited : Number(t) || 0;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

export function ticksToNs(ticks: number): number {
  return (ticks * 1e9) / CLOCK_TICKS;
}

export async function hostCpuNs(procRoot = '/proc'): Promise<{ total: number; cpus: number }> {
  const text = await readFile(`${procRoot}/stat`, 'utf8');
  const first = text.split('\n')[0].trim().split(/\s+/).slice(1, 8).map(Number);
  const cpus = text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  return { total: ticksToNs(first.reduce((a, b) => a + b, 0)), cpus };
}

/** The network counters of the container's netns, read through one of its processes. */
export async function netDev(pid: number, procRoot = '/proc'): Promise<CgroupSample['networks']> {
  const out: CgroupSample['networks'] = {};
  if (!pid) return out;
  const text = await readFile(`${procRoot}/${pid}/net/dev`, 'utf8').catch(() => '');
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    out[m[1]] = { rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3], tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11] };
  }
  return out;
}
