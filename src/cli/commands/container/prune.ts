import type { CommandDefinition, CliContext } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { boolFlag, listFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { humanSize } from '../../format/units.ts';
import { confirm } from '../../prompt.ts';

/** POST /containers/prune; docker's report text and the bytes freed. */
export async function pruneContainers(ctx: CliContext, filters: string[]): Promise<{ text: string; reclaimed: number }> {
  const report = await ctx.client().json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', { query: { filters: encodeFilters(filters) } });
  const deleted = report.ContainersDeleted ?? [];
  return { text: deleted.length ? `Deleted Containers:\n${deleted.map((c) => `${c}\n`).join('')}\n` : '', reclaimed: report.SpaceReclaimed ?? 0 };
}

export const containerPruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove all stopped containers',
  flags: [
    listFlag('filter', undefined, 'Provide filter values (e.g. "until=<timestamp>")', { valueName: 'filter' }),
    boolFlag('force', 'f', 'Do not prompt for confirmation'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    if (!flags.bool('force') && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) throw new StatusError('', 1);
    const { text, reclaimed } = await pruneContainers(ctx, flags.list('filter'));
    ctx.stdout.write(`${text}Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
