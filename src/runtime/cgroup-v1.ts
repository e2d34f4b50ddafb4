/** Reads of a container's cgroup v1 files (OOM kills now; stats later). Paths follow cgroupsPath /berth/<id>. */
import { readFile } from 'node:fs/promises';

const ROOT = '/sys/fs/cgroup';

async function readKeyed(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** True when the kernel OOM-killed a process of this cgroup (memory.oom_control's oom_kill counter). */
export async function oomKilled(cgroupsPath: string): Promise<boolean> {
  const ctl = await readKeyed(`${ROOT}/memory${cgroupsPath}/memory.oom_control`);
  return (ctl.get('oom_kill') ?? 0) > 0;
}

/** Raw cgroup v1 and procfs figures for one container sample (the daemon shapes them as Docker's stats JSON). */
export interface CgroupSample {
  cpuTotal: number;          // ns
  cpuPerCpu: number[];
  cpuUser: number;           // ns
  cpuSystem: number;         // ns
  throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  systemCpu: number;         // ns, host-wide (from /proc/stat)
  onlineCpus: number;
  memUsage: number;
  memMaxUsage: number;
  memLimit: number;
  memStats: Record<string, number>;
  pids: number;
  pidsLimit: number;
  blkio: { major: number; minor: number; op: string; value: number }[];
  networks: Record<string, { rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number; tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number }>;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

async function readNumber(path: string): Promise<number> {
  const t = (await readFile(path, 'utf8').catch(() => '')).trim();
  return t === 'max' ? 0 : Number(t) || 0;
}

async function hostCpuNs(): Promise<{ total: number; cpus: number }> {
  const text = await readFile('/proc/stat', 'utf8');
  const first = text.split('\n')[0].trim().split(/\s+/).slice(1, 8).map(Number);
  const cpus = text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  return { total: (first.reduce((a, b) => a + b, 0) * 1e9) / CLOCK_TICKS, cpus };
}

/** The network counters of the container's netns, read through one of its processes. */
async function netDev(pid: number): Promise<CgroupSample['networks']> {
  const out: CgroupSample['networks'] = {};
  if (!pid) return out;
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '');
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    out[m[1]] = { rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3], tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11] };
  }
  return out;
}

export async function sampleCgroup(cgroupsPath: string, pid: number): Promise<CgroupSample> {
  const cpuacct = `${ROOT}/cpuacct${cgroupsPath}`;
  const memory = `${ROOT}/memory${cgroupsPath}`;
  const [cpuTotal, perCpu, cpuStat, throttle, host, memUsage, memMax, memLimit, memStat, pids, pidsMax, blkio, networks] = await Promise.all([
    readNumber(`${cpuacct}/cpuacct.usage`),
    readFile(`${cpuacct}/cpuacct.usage_percpu`, 'utf8').catch(() => ''),
    readKeyed(`${cpuacct}/cpuacct.stat`),
    readKeyed(`${ROOT}/cpu${cgroupsPath}/cpu.stat`),
    hostCpuNs(),
    readNumber(`${memory}/memory.usage_in_bytes`),
    readNumber(`${memory}/memory.max_usage_in_bytes`),
    readNumber(`${memory}/memory.limit_in_bytes`),
    readKeyed(`${memory}/memory.stat`),
    readNumber(`${ROOT}/pids${cgroupsPath}/pids.current`),
    readNumber(`${ROOT}/pids${cgroupsPath}/pids.max`),
    readFile(`${ROOT}/blkio${cgroupsPath}/blkio.throttle.io_service_bytes`, 'utf8').catch(() => ''),
    netDev(pid),
  ]);
  return {
    cpuTotal,
    cpuPerCpu: perCpu.trim().split(/\s+/).filter(Boolean).map(Number),
    cpuUser: ((cpuStat.get('user') ?? 0) * 1e9) / CLOCK_TICKS,
    cpuSystem: ((cpuStat.get('system') ?? 0) * 1e9) / CLOCK_TICKS,
    throttling: { periods: throttle.get('nr_periods') ?? 0, throttledPeriods: throttle.get('nr_throttled') ?? 0, throttledTime: throttle.get('throttled_time') ?? 0 },
    systemCpu: host.total,
    onlineCpus: host.cpus,
    memUsage, memMaxUsage: memMax, memLimit,
    memStats: Object.fromEntries(memStat),
    pids, pidsLimit: pidsMax,
    blkio: blkio.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3 && f[0].includes(':'))
      .map(([dev, op, value]) => ({ major: Number(dev.split(':')[0]), minor: Number(dev.split(':')[1]), op: op.toLowerCase(), value: Number(value) })),
    networks,
  };
}
