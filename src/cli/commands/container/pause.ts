import type { CommandDefinition } from '../../command.ts';
import { forEachRef } from '../for-each-ref.ts';

const lifecycle = (verb: 'pause' | 'unpause', description: string): CommandDefinition => ({
  usage: 'CONTAINER [CONTAINER...]',
  description,
  flags: [],
  args: { min: 1 },
  run: (ctx, flags) =>
    forEachRef(ctx, flags.args, async (ref) => {
      await ctx.client().call('POST', `/containers/${encodeURIComponent(ref)}/${verb}`);
    }),
});

export const pauseCommand = lifecycle('pause', 'Pause all processes within one or more containers');
export const unpauseCommand = lifecycle('unpause', 'Unpause all processes within one or more containers');
