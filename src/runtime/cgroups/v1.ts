/** cgroup v1: one hierarchy per controller, container cgroups at /sys/fs/cgroup/<controller><cgroupsPath>. */
import { readdir, readFile } from 'node:fs/promises';
import { hostCpuNs, netDev, readKeyed, readNumber, ticksToNs, type BlkioEntry, type CgroupFs, type CgroupSample } from './sample.ts';

/** `MAJ:MIN Op value` lines of blkio.throttle.* files. */
function parseBlkio(text: string): BlkioEntry[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3 && f[0].includes(':'))
    .map(([dev, op, value]) => ({ major: Number(dev.split(':')[0]), minor: Number(dev.split(':')[1]), op: op.toLowerCase(), value: Number(value) }));
}

export function cgroupV1(root: string, procRoot = '/proc'): CgroupFs {
  return {
    version: 1,
    async oomKilled(path) {
      const ctl = await readKeyed(`${root}/memory${path}/memory.oom_control`);
      return (ctl.get('oom_kill') ?? 0) > 0;
    },
    async sample(path, pid): Promise<CgroupSample> {
      const cpuacct = `${root}/cpuacct${path}`;
      const memory = `${root}/memory${path}`;
      const blkio = `${root}/blkio${path}`;
      const [cpuTotal, perCpu, cpuStat, throttle, host, memUsage, memMax, memLimit, memStat, pids, pidsMax, ioBytes, ioOps, networks] = await Promise.all([
        readNumber(`${cpuacct}/cpuacct.usage`),
        readFile(`${cpuacct}/cpuacct.usage_percpu`, 'utf8').catch(() => ''),
        readKeyed(`${cpuacct}/cpuacct.stat`),
        readKeyed(`${root}/cpu${path}/cpu.stat`),
        hostCpuNs(procRoot),
        readNumber(`${memory}/memory.usage_in_bytes`),
        readNumber(`${memory}/memory.max_usage_in_bytes`),
        readNumber(`${memory}/memory.limit_in_bytes`),
        readKeyed(`${memory}/memory.stat`),
        readNumber(`${root}/pids${path}/pids.current`),
        readNumber(`${root}/pids${path}/pids.max`),
        readFile(`${blkio}/blkio.throttle.io_service_bytes`, 'utf8').catch(() => ''),
        readFile(`${blkio}/blkio.throttle.io_serviced`, 'utf8').catch(() => ''),
        netDev(pid, procRoot),
      ]);
      return {
        cpuTotal,
        cpuPerCpu: perCpu.trim().split(/\s+/).filter(Boolean).map(Number),
        cpuUser: ticksToNs(cpuStat.get('user') ?? 0),
        cpuSystem: ticksToNs(cpuStat.get('system') ?? 0),
        throttling: { periods: throttle.get('nr_periods') ?? 0, throttledPeriods: throttle.get('nr_throttled') ?? 0, throttledTime: throttle.get('throttled_time') ?? 0 },
        systemCpu: host.total,
        onlineCpus: host.cpus,
        memUsage, memMaxUsage: memMax, memLimit,
        memStats: Object.fromEntries(memStat),
        pids, pidsLimit: pidsMax,
        blkio: parseBlkio(ioBytes),
        blkioOps: parseBlkio(ioOps),
        networks,
      };
    },
    async children(parent) {
      const out: { dir: string; name: string }[] = [];
      for (const controller of await readdir(root).catch(() => [] as string[])) {
        for (const name of await readdir(`${root}/${controller}${parent}`).catch(() => [] as string[])) out.push({ dir: `${root}/${controller}${parent}/${name}`, name });
      }
      return out;
    },
  };
}
