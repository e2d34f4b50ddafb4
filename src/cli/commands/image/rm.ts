import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { ImageDeleteItem } from '../../../client/types.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { errorText } from '../../error-text.ts';

export const imageRmCommand: CommandDefinition = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  flags: [
    boolFlag('force', 'f', 'Force removal of the image'),
    boolFlag('no-prune', undefined, 'Do not delete untagged parents'),
  ],
  args: { min: 1 },
  async run(ctx, flags) {
    const failures: string[] = [];
    for (const ref of flags.args) {
      try {
        const items = await ctx.client().json<ImageDeleteItem[]>('DELETE', `/images/${encodeURIComponent(ref)}`, {
          query: { force: flags.bool('force'), noprune: flags.bool('no-prune') },
        });
        for (const item of items ?? []) {
          if (item.Untagged) ctx.stdout.write(`Untagged: ${item.Untagged}\n`);
          if (item.Deleted) ctx.stdout.write(`Deleted: ${item.Deleted}\n`);
        }
      } catch (e) {
        failures.push(errorText(e));
      }
    }
    if (failures.length) throw new StatusError(failures.join('\n'), 1);
    return 0;
  },
};
