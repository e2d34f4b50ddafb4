/** `berth builder prune [-a] [--filter] [-f]`: POST /build/prune, reported as the docker CLI does without buildx. */
import type { CommandDefinition } from '../../command.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { humanSize } from '../../format/units.ts';
import { confirmPrune, deletedSection, filterFlag, forceFlag } from '../prune-common.ts';
import { ramInBytes } from '../../../lib/human.ts';

export const builderPruneCommand: CommandDefinition = {
  usage: '',
  description: 'Remove build cache',
  flags: [
    boolFlag('all', 'a', 'Remove all unused build cache, not just dangling ones'),
    filterFlag('until=24h'),
    forceFlag,
    stringFlag('keep-storage', undefined, 'Amount of disk space to keep for cache', { valueName: 'bytes' }),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    const warning = all ? 'WARNING! This will remove all build cache.' : 'WARNING! This will remove all dangling build cache.';
    await confirmPrune(ctx, flags, warning);
    const keep = flags.string('keep-storage');
    const report = await ctx.client().json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', {
      query: { all, filters: encodeFilters(flags.list('filter')), 'keep-storage': keep ? ramInBytes(keep) : undefined },
    });
    ctx.stdout.write(`${deletedSection('Deleted build cache objects', report.CachesDeleted)}Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
    return 0;
  },
};
