import type { CommandDefinition, CliContext } from '../../command.ts';
import { encodeFilters } from '../../filters.ts';
import { humanSize } from '../../format/units.ts';
import { confirmPrune, deletedSection, filterFlag, forceFlag } from '../prune-common.ts';

/** POST /containers/prune; docker's report text and the bytes freed. */
export async function pruneContainers(ctx: CliContext, filters: string[]): Promise<{ text: string; reclaimed: number }> {
  const report = await ctx.client().json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', { query: { filters: encodeFilters(filters) } });
  return { text: deletedSection('Deleted Containers', report.ContainersDeleted), reclaimed: report.SpaceReclaimed ?? 0 };
}

export const containerPruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove all stopped containers',
  flags: [filterFlag('until=<timestamp>'), forceFlag],
  args: { max: 0 },
  async run(ctx, flags) {
    await confirmPrune(ctx, flags, 'WARNING! This will remove all stopped containers.');
    const { text, reclaimed } = await pruneContainers(ctx, flags.list('filter'));
    ctx.stdout.write(`${text}Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
