import type { CommandDefinition } from '../../command.ts';
import type { WaitResponse } from '../../../client/types.ts';
import { forEachRef } from '../for-each-ref.ts';

export const waitCommand: CommandDefinition = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  args: { min: 1 },
  run: (ctx, flags) =>
    forEachRef(ctx, flags.args, async (ref) => {
      const res = await ctx.client().json<WaitResponse>('POST', `/containers/${encodeURIComponent(ref)}/wait`);
      if (res.Error?.Message) throw new Error(res.Error.Message);
      return String(res.StatusCode);
    }),
};
