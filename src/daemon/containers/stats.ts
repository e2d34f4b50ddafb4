/** `docker stats`: cgroup samples shaped as Docker's stats JSON, streamed once a second or sent once. */
import { totalmem } from 'node:os';
import { rfc3339Nano } from '../../lib/index.ts';
import { hostCgroups, type CgroupSample } from '../../runtime/index.ts';
import { NULL_TIME, type ContainerRecord } from './record.ts';

function cpuView(s: CgroupSample | undefined) {
  return {
    cpu_usage: {
      total_usage: s?.cpuTotal ?? 0, percpu_usage: s?.cpuPerCpu ?? [], usage_in_kernelmode: s?.cpuSystem ?? 0, usage_in_usermode: s?.cpuUser ?? 0,
    },
    system_cpu_usage: s?.systemCpu ?? 0,
    online_cpus: s?.onlineCpus ?? 0,
    throttling_data: { periods: s?.throttling.periods ?? 0, throttled_periods: s?.throttling.throttledPeriods ?? 0, throttled_time: s?.throttling.throttledTime ?? 0 },
  };
}

export function statsView(rec: ContainerRecord, cur: CgroupSample | undefined, prev: CgroupSample | undefined, times: { read: string; preread: string }) {
  const stats = cur?.memStats ?? {};
  return {
    name: `/${rec.name}`,
    id: rec.id,
    read: times.read,
    preread: times.preread,
    pids_stats: cur ? { current: cur.pids, ...(cur.pidsLimit ? { limit: cur.pidsLimit } : {}) } : {},
    blkio_stats: { io_service_bytes_recursive: cur?.blkio ?? null, io_serviced_recursive: cur?.blkioOps ?? null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuView(cur),
    precpu_stats: cpuView(prev),
    // Unlimited (v1: ~8 EiB, v2: Infinity): Docker shows the host's memory instead.
    memory_stats: cur ? { usage: cur.memUsage, max_usage: cur.memMaxUsage, stats: stats, limit: Math.min(cur.memLimit, totalmem()) } : {},
    ...(cur && Object.keys(cur.networks).length ? { networks: cur.networks } : {}),
  };
}

/**
 * Streams stats every second (or one sample when !stream, with precpu from a sample taken just before, so
 * `docker stats --no-stream` can compute CPU %). A container that is not running gets zeroed figures.
 */
export async function writeStats(rec: () => ContainerRecord, send: (v: unknown) => void, o: { stream: boolean; oneShot: boolean; signal: AbortSignal; cgroupPath: string }): Promise<void> {
  const sample = async () => {
    const r = rec();
    const alive = r.state.Status === 'running' || r.state.Status === 'paused';
    return alive ? hostCgroups().sample(o.cgroupPath, r.state.Pid) : undefined;
  };
  let prev: CgroupSample | undefined;
  let prevTime = NULL_TIME;
  if (!o.stream && !o.oneShot) {
    prev = await sample();
    prevTime = rfc3339Nano();
    await sleep(1000, o.signal);
  }
  for (;;) {
    if (o.signal.aborted) return;
    const cur = await sample();
    const now = rfc3339Nano();
    send(statsView(rec(), cur, prev, { read: now, preread: prevTime }));
    if (!o.stream || !cur) return;
    prev = cur;
    prevTime = now;
    await sleep(1000, o.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
