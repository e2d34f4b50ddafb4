/** One `docker stats` row from the daemon's stats JSON, computed as the docker CLI computes it. */
import { bytesSize, humanSizeWithPrecision } from '../../format/units.ts';
import { truncateId } from '../../format/container-row.ts';

export interface StatsJson {
  id: string;
  name: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  pids_stats?: { current?: number };
}

export const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER', ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %',
  NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};
export const DEFAULT_STATS_TABLE = '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

const pct = (v: number) => `${v.toFixed(2)}%`;

/** Usage without the page cache the kernel can drop (cgroup v1 total_inactive_file, v2 inactive_file). */
function memoryWithoutCache(m: NonNullable<StatsJson['memory_stats']>): number {
  const usage = m.usage ?? 0;
  const v1 = m.stats?.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = m.stats?.inactive_file;
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

export class StatsRow {
  readonly Container: string;
  private readonly s: StatsJson;
  private readonly trunc: boolean;

  constructor(s: StatsJson, o: { container: string; trunc: boolean }) {
    this.s = s;
    this.Container = o.container;
    this.trunc = o.trunc;
  }

  get ID(): string { return this.trunc ? truncateId(this.s.id) : this.s.id; }
  get Name(): string { return (this.s.name ?? '').replace(/^\//, '') || '--'; }

  get CPUPerc(): string {
    const cpu = this.s.cpu_stats;
    const pre = this.s.precpu_stats;
    const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
    const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
    const cpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 0;
    return pct(systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0);
  }

  get MemUsage(): string {
    const m = this.s.memory_stats;
    return m?.usage === undefined ? '0B / 0B' : `${bytesSize(memoryWithoutCache(m))} / ${bytesSize(m.limit ?? 0)}`;
  }

  get MemPerc(): string {
    const m = this.s.memory_stats;
    return pct(m?.limit ? (memoryWithoutCache(m) / m.limit) * 100 : 0);
  }

  get NetIO(): string {
    const nets = Object.values(this.s.networks ?? {});
    const rx = nets.reduce((n, x) => n + x.rx_bytes, 0);
    const tx = nets.reduce((n, x) => n + x.tx_bytes, 0);
    return `${humanSizeWithPrecision(rx, 3)} / ${humanSizeWithPrecision(tx, 3)}`;
  }

  get BlockIO(): string {
    let read = 0;
    let write = 0;
    for (const e of this.s.blkio_stats?.io_service_bytes_recursive ?? []) {
      if (e.op.toLowerCase() === 'read') read += e.value;
      else if (e.op.toLowerCase() === 'write') write += e.value;
    }
    return `${humanSizeWithPrecision(read, 3)} / ${humanSizeWithPrecision(write, 3)}`;
  }

  get PIDs(): string { return String(this.s.pids_stats?.current ?? 0); }

  toJSON(): Record<string, string> {
    return { BlockIO: this.BlockIO, CPUPerc: this.CPUPerc, Container: this.Container, ID: this.ID, MemPerc: this.MemPerc, MemUsage: this.MemUsage, Name: this.Name, NetIO: this.NetIO, PIDs: this.PIDs };
  }
}
