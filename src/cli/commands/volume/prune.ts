import type { CommandDefinition, CliContext } from '../../command.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { confirmPrune, deletedSection, filterFlag, forceFlag } from '../prune-common.ts';
import { humanSize } from '../../format/units.ts';

const ANONYMOUS_WARNING = 'WARNING! This will remove anonymous local volumes not used by at least one container.';
const ALL_WARNING = 'WARNING! This will remove all local volumes not used by at least one container.';

/** POST /volumes/prune; docker's report text and the bytes freed. */
export async function pruneVolumes(ctx: CliContext, filters: string[]): Promise<{ text: string; reclaimed: number }> {
  const report = await ctx.client().json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: encodeFilters(filters) } });
  return { text: deletedSection('Deleted Volumes', report.VolumesDeleted), reclaimed: report.SpaceReclaimed ?? 0 };
}

export const volumePruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove unused local volumes',
  flags: [
    boolFlag('all', 'a', 'Remove all unused volumes, not just anonymous ones'),
    filterFlag('label=<label>'),
    forceFlag,
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    await confirmPrune(ctx, flags, all ? ALL_WARNING : ANONYMOUS_WARNING);
    const { text, reclaimed } = await pruneVolumes(ctx, [...flags.list('filter'), ...(all ? ['all=true'] : [])]);
    ctx.stdout.write(`${text}Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
