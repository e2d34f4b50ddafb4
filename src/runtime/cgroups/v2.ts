/**
 * cgroup v2 (unified): one tree, container cgroups at /sys/fs/cgroup<cgroupsPath>. The runtime (crun/runc)
 * translates the OCI resources into cpu.max, memory.max, pids.max...; Berth only reads the figures back.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { hostCpuNs, netDev, readKeyed, readNumber, type BlkioEntry, type CgroupFs, type CgroupSample } from './sample.ts';

/** io.stat lines (`MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=..`) as Docker's v2 blkio entries (read/write). */
function parseIoStat(text: string): { bytes: BlkioEntry[]; ops: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ops: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    if (!dev?.includes(':')) continue;
    const [major, minor] = dev.split(':').map(Number);
    const kv = new Map(fields.map((f) => f.split('=') as [string, string]));
    const n = (k: string) => Number(kv.get(k) ?? 0);
    bytes.push({ major, minor, op: 'read', value: n('rbytes') }, { major, minor, op: 'write', value: n('wbytes') });
    ops.push({ major, minor, op: 'read', value: n('rios') }, { major, minor, op: 'write', value: n('wios') });
  }
  return { bytes, ops };
}

const USEC = 1000;

export function cgroupV2(root: string, procRoot = '/proc'): CgroupFs {
  return {
    version: 2,
    async oomKilled(path) {
      return ((await readKeyed(`${root}${path}/memory.events`)).get('oom_kill') ?? 0) > 0;
    },
    async sample(path, pid): Promise<CgroupSample> {
      const dir = `${root}${path}`;
      const [cpuStat, host, memUsage, memPeak, memLimit, memStat, pids, pidsMax, io, networks] = await Promise.all([
        readKeyed(`${dir}/cpu.stat`),
        hostCpuNs(procRoot),
        readNumber(`${dir}/memory.current`),
        readNumber(`${dir}/memory.peak`),
        readNumber(`${dir}/memory.max`, Infinity),
        readKeyed(`${dir}/memory.stat`),
        readNumber(`${dir}/pids.current`),
        readNumber(`${dir}/pids.max`),
        readFile(`${dir}/io.stat`, 'utf8').catch(() => ''),
        netDev(pid, procRoot),
      ]);
      const { bytes, ops } = parseIoStat(io);
      return {
        cpuTotal: (cpuStat.get('usage_usec') ?? 0) * USEC,
        cpuPerCpu: [],
        cpuUser: (cpuStat.get('user_usec') ?? 0) * USEC,
        cpuSystem: (cpuStat.get('system_usec') ?? 0) * USEC,
        throttling: { periods: cpuStat.get('nr_periods') ?? 0, throttledPeriods: cpuStat.get('nr_throttled') ?? 0, throttledTime: (cpuStat.get('throttled_usec') ?? 0) * USEC },
        systemCpu: host.total,
        onlineCpus: host.cpus,
        memUsage, memMaxUsage: memPeak, memLimit,
        memStats: Object.fromEntries(memStat),
        pids, pidsLimit: pidsMax,
        blkio: bytes,
        blkioOps: ops,
        networks,
      };
    },
    async children(parent) {
      const out: { dir: string; name: string }[] = [];
      for (const name of await readdir(`${root}${parent}`).catch(() => [] as string[])) {
        const dir = `${root}${parent}/${name}`;
        if ((await stat(dir).catch(() => undefined))?.isDirectory()) out.push({ dir, name });
      }
      return out;
    },
  };
}
