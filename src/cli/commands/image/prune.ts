import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { ImagePruneReport } from '../../../client/types.ts';
import { boolFlag, listFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { humanSize } from '../../format/units.ts';
import { confirm } from '../../prompt.ts';

const DANGLING_WARNING = 'WARNING! This will remove all dangling images.';
const ALL_WARNING = 'WARNING! This will remove all images without at least one container associated to them.';

export const imagePruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove unused images',
  flags: [
    boolFlag('all', 'a', 'Remove all unused images, not just dangling ones'),
    listFlag('filter', undefined, 'Provide filter values (e.g. "until=<timestamp>")', { valueName: 'filter' }),
    boolFlag('force', 'f', 'Do not prompt for confirmation'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    if (!flags.bool('force') && !(await confirm(ctx, all ? ALL_WARNING : DANGLING_WARNING))) {
      throw new StatusError('', 1);
    }
    const filters = [...flags.list('filter'), `dangling=${!all}`];
    const report = await ctx.client().json<ImagePruneReport>('POST', '/images/prune', { query: { filters: encodeFilters(filters) } });
    const deleted = report.ImagesDeleted ?? [];
    if (deleted.length) {
      const lines = ['Deleted Images:'];
      for (const d of deleted) {
        if (d.Untagged) lines.push(`untagged: ${d.Untagged}`);
        if (d.Deleted) lines.push(`deleted: ${d.Deleted}`);
      }
      ctx.stdout.write(`${lines.join('\n')}\n\n`);
    }
    ctx.stdout.write(`Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
    return 0;
  },
};
