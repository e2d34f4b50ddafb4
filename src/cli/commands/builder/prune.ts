/** `berth builder prune [-a] [--filter] [-f]`: POST /build/prune, reported as the docker CLI does without buildx. */
import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { humanSize } from '../../format/units.ts';
import { confirm } from '../../prompt.ts';
import { parseMemory } from '../container/container-options.ts';

export const builderPruneCommand: CommandDefinition = {
  usage: '',
  description: 'Remove build cache',
  flags: [
    boolFlag('all', 'a', 'Remove all unused build cache, not just dangling ones'),
    listFlag('filter', undefined, 'Provide filter values (e.g. "until=24h")', { valueName: 'filter' }),
    boolFlag('force', 'f', 'Do not prompt for confirmation'),
    stringFlag('keep-storage', undefined, 'Amount of disk space to keep for cache', { valueName: 'bytes' }),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    const warning = all ? 'WARNING! This will remove all build cache.' : 'WARNING! This will remove all dangling build cache.';
    if (!flags.bool('force') && !(await confirm(ctx, warning))) throw new StatusError('', 1);
    const keep = flags.string('keep-storage');
    const report = await ctx.client().json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', {
      query: { all, filters: encodeFilters(flags.list('filter')), 'keep-storage': keep ? parseMemory(keep) : undefined },
    });
    const deleted = report.CachesDeleted ?? [];
    const listing = deleted.length ? `Deleted build cache objects:\n${deleted.map((id) => `${id}\n`).join('')}\n` : '';
    ctx.stdout.write(`${listing}Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
    return 0;
  },
};
