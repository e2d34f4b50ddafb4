import type { CommandDefinition } from '../../command.ts';
import { intFlag, stringFlag } from '../../flags/flag-spec.ts';
import { forEachRef } from '../for-each-ref.ts';

/** `stop` and `restart` share flags and shape: POST /containers/{id}/<verb>?signal=&t=. */
export function stopLikeCommand(verb: 'stop' | 'restart', description: string): CommandDefinition {
  return {
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description,
    flags: [
      stringFlag('signal', 's', 'Signal to send to the container'),
      intFlag('timeout', 't', 'Seconds to wait before killing the container'),
    ],
    args: { min: 1 },
    run: (ctx, flags) =>
      forEachRef(ctx, flags.args, async (ref) => {
        await ctx.client().call('POST', `/containers/${encodeURIComponent(ref)}/${verb}`, {
          query: { signal: flags.string('signal') || undefined, t: flags.changed('timeout') ? flags.int('timeout') : undefined },
        });
      }),
  };
}
