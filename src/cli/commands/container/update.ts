/** `berth update [OPTIONS] CONTAINER...`: new resource limits and restart policy (POST /containers/{id}/update). */
import type { CommandDefinition } from '../../command.ts';
import { intFlag, stringFlag } from '../../flags/flag-spec.ts';
import { forEachRef } from '../for-each-ref.ts';
import { parseRestart } from './container-options.ts';
import { ramInBytes } from '../../../lib/human.ts';

const size = (v: string): number | undefined => (v === '' ? undefined : v === '-1' ? -1 : ramInBytes(v));

export const updateCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Update configuration of one or more containers',
  flags: [
    intFlag('blkio-weight', undefined, 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', { valueName: 'uint16' }),
    intFlag('cpu-period', undefined, 'Limit CPU CFS (Completely Fair Scheduler) period'),
    intFlag('cpu-quota', undefined, 'Limit CPU CFS (Completely Fair Scheduler) quota'),
    intFlag('cpu-shares', 'c', 'CPU shares (relative weight)'),
    stringFlag('cpus', undefined, 'Number of CPUs', { valueName: 'decimal' }),
    stringFlag('cpuset-cpus', undefined, 'CPUs in which to allow execution (0-3, 0,1)'),
    stringFlag('cpuset-mems', undefined, 'MEMs in which to allow execution (0-3, 0,1)'),
    stringFlag('memory', 'm', 'Memory limit', { valueName: 'bytes' }),
    stringFlag('memory-reservation', undefined, 'Memory soft limit', { valueName: 'bytes' }),
    stringFlag('memory-swap', undefined, 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', { valueName: 'bytes' }),
    intFlag('pids-limit', undefined, 'Tune container pids limit (set -1 for unlimited)'),
    stringFlag('restart', undefined, 'Restart policy to apply when a container exits'),
  ],
  args: { min: 1 },
  async run(ctx, flags) {
    const cpus = flags.string('cpus');
    const restart = flags.string('restart');
    const body: Record<string, unknown> = {
      BlkioWeight: flags.int('blkio-weight') || undefined,
      CpuPeriod: flags.int('cpu-period') || undefined,
      CpuQuota: flags.int('cpu-quota') || undefined,
      CpuShares: flags.int('cpu-shares') || undefined,
      NanoCpus: cpus ? Math.round(Number(cpus) * 1e9) : undefined,
      CpusetCpus: flags.string('cpuset-cpus') || undefined,
      CpusetMems: flags.string('cpuset-mems') || undefined,
      Memory: size(flags.string('memory')),
      MemoryReservation: size(flags.string('memory-reservation')),
      MemorySwap: size(flags.string('memory-swap')),
      PidsLimit: flags.int('pids-limit') || undefined,
      RestartPolicy: restart ? parseRestart(restart) : undefined,
    };
    if (cpus && !(Number(cpus) > 0)) throw new Error(`invalid argument "${cpus}" for "--cpus" flag: failed to parse ${cpus} as a rational number`);
    if (Object.values(body).every((v) => v === undefined)) throw new Error('you must provide one or more flags when using this command');
    return forEachRef(ctx, flags.args, async (ref) => {
      const res = await ctx.client().json<{ Warnings: string[] | null }>('POST', `/containers/${encodeURIComponent(ref)}/update`, { body });
      for (const w of res.Warnings ?? []) ctx.stderr.write(`${w}\n`);
    });
  },
};
