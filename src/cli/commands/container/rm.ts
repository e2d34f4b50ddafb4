import type { CommandDefinition } from '../../command.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { forEachRef } from '../for-each-ref.ts';

export const rmCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  flags: [
    boolFlag('force', 'f', 'Force the removal of a running container (uses SIGKILL)'),
    boolFlag('link', 'l', 'Remove the specified link'),
    boolFlag('volumes', 'v', 'Remove anonymous volumes associated with the container'),
  ],
  args: { min: 1 },
  run: (ctx, flags) =>
    forEachRef(ctx, flags.args, async (ref) => {
      const name = ref.replace(/^\/+/, '');
      if (!name) throw new Error('Container name cannot be empty');
      await ctx.client().call('DELETE', `/containers/${encodeURIComponent(name)}`, {
        query: { v: flags.bool('volumes'), force: flags.bool('force'), link: flags.bool('link') },
      });
    }),
};
