import type { CommandDefinition } from '../../command.ts';
import type { ImagePruneReport } from '../../../client/types.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { humanSize } from '../../format/units.ts';
import { confirmPrune, deletedSection, filterFlag, forceFlag } from '../prune-common.ts';

const DANGLING_WARNING = 'WARNING! This will remove all dangling images.';
const ALL_WARNING = 'WARNING! This will remove all images without at least one container associated to them.';

/** "untagged: <ref>" / "deleted: <id>" lines of an image prune report. */
export function imagePruneLines(report: ImagePruneReport): string[] {
  return (report.ImagesDeleted ?? []).flatMap((d) => [...(d.Untagged ? [`untagged: ${d.Untagged}`] : []), ...(d.Deleted ? [`deleted: ${d.Deleted}`] : [])]);
}

export const imagePruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove unused images',
  flags: [
    boolFlag('all', 'a', 'Remove all unused images, not just dangling ones'),
    filterFlag('until=<timestamp>'),
    forceFlag,
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    await confirmPrune(ctx, flags, all ? ALL_WARNING : DANGLING_WARNING);
    const filters = [...flags.list('filter'), `dangling=${!all}`];
    const report = await ctx.client().json<ImagePruneReport>('POST', '/images/prune', { query: { filters: encodeFilters(filters) } });
    ctx.stdout.write(deletedSection('Deleted Images', imagePruneLines(report)));
    ctx.stdout.write(`Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
    return 0;
  },
};
