/** HostConfig resource limits (`--memory`, `--cpus`, `--pids-limit`...) as cgroup settings, with Docker's checks. */
import { existsSync } from 'node:fs';
import { invalidArgument } from '../../lib/index.ts';
import type { ResourceLimits } from '../../runtime/index.ts';
import type { HostConfig } from '../../api/types/index.ts';

const MIN_MEMORY = 6 * 1024 * 1024;
const CPU_PERIOD = 100_000;

/** Whether the kernel accounts swap (memory.memsw.* on cgroup v1); without it a swap limit cannot be set. */
const swapAccounting = existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes') || existsSync('/sys/fs/cgroup/cgroup.controllers');

/**
 * Settings this host's cgroups cannot honour are dropped with Docker's warnings (returned by create and update):
 * cgroup v2 has no switch to turn off the OOM killer.
 */
export function discardUnsupported(hc: HostConfig, cgroupVersion: 1 | 2): string[] {
  const warnings: string[] = [];
  if (cgroupVersion === 2 && hc.OomKillDisable) {
    warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    hc.OomKillDisable = false;
  }
  return warnings;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Validates at create time (Docker's messages) and returns what the OCI spec gets, or undefined for no limits. */
export function resourceLimits(hc: HostConfig): ResourceLimits | undefined {
  const memory = num(hc.Memory);
  const swap = num(hc.MemorySwap);
  const reservation = num(hc.MemoryReservation);
  const nanoCpus = num(hc.NanoCpus);
  const quota = num(hc.CpuQuota);
  const period = num(hc.CpuPeriod);
  const shares = num(hc.CpuShares);
  const pids = hc.PidsLimit ?? 0;
  if (memory > 0 && memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory === 0 && swap > 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (reservation > 0 && memory > 0 && reservation > memory) throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (nanoCpus > 0 && (quota > 0 || period > 0)) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (period !== 0 && (period < 1000 || period > 1_000_000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (quota !== 0 && quota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');

  const out: ResourceLimits = {};
  if (memory > 0 || reservation > 0 || hc.OomKillDisable) {
    out.memory = {};
    if (memory > 0) {
      out.memory.limit = memory;
      // Docker's default: as much swap again as memory (--memory-swap is memory + swap; -1 is unlimited).
      if (swapAccounting) out.memory.swap = swap === 0 ? memory * 2 : swap;
    }
    if (reservation > 0) out.memory.reservation = reservation;
    if (hc.OomKillDisable) out.memory.disableOOMKiller = true;
  }
  if (nanoCpus > 0 || quota > 0 || period > 0 || shares > 0 || hc.CpusetCpus || hc.CpusetMems) {
    out.cpu = {};
    if (nanoCpus > 0) {
      out.cpu.period = CPU_PERIOD;
      out.cpu.quota = Math.round((nanoCpus * CPU_PERIOD) / 1e9);
    }
    if (quota > 0) out.cpu.quota = quota;
    if (period > 0) out.cpu.period = period;
    if (shares > 0) out.cpu.shares = shares;
    if (typeof hc.CpusetCpus === 'string' && hc.CpusetCpus) out.cpu.cpus = hc.CpusetCpus;
    if (typeof hc.CpusetMems === 'string' && hc.CpusetMems) out.cpu.mems = hc.CpusetMems;
  }
  if (typeof pids === 'number' && pids > 0) out.pids = { limit: pids };
  if (num(hc.BlkioWeight) > 0) out.blockIO = { weight: num(hc.BlkioWeight) };
  return Object.keys(out).length ? out : undefined;
}
