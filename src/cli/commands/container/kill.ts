import type { CommandDefinition } from '../../command.ts';
import { stringFlag } from '../../flags/flag-spec.ts';
import { forEachRef } from '../for-each-ref.ts';

export const killCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  flags: [stringFlag('signal', 's', 'Signal to send to the container')],
  args: { min: 1 },
  run: (ctx, flags) =>
    forEachRef(ctx, flags.args, async (ref) => {
      await ctx.client().call('POST', `/containers/${encodeURIComponent(ref)}/kill`, {
        query: { signal: flags.string('signal') || undefined },
      });
    }),
};
