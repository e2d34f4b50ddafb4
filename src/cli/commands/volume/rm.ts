import type { CommandDefinition } from '../../command.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { forEachRef } from '../for-each-ref.ts';

export const volumeRmCommand: CommandDefinition = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  flags: [boolFlag('force', 'f', 'Force the removal of one or more volumes')],
  args: { min: 1 },
  run: (ctx, flags) =>
    forEachRef(ctx, flags.args, async (ref) => {
      await ctx.client().call('DELETE', `/volumes/${encodeURIComponent(ref)}`, { query: { force: flags.bool('force') } });
    }),
};
