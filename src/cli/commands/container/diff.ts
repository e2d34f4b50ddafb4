/** `berth diff CONTAINER`: A/C/D lines for the container's changes. */
import type { CommandDefinition } from '../../command.ts';

const KIND = ['C', 'A', 'D'];

export const diffCommand: CommandDefinition = {
  usage: 'CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const changes = await ctx.client().json<{ Path: string; Kind: number }[] | null>('GET', `/containers/${encodeURIComponent(flags.args[0])}/changes`);
    ctx.stdout.write((changes ?? []).map((c) => `${KIND[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
    return 0;
  },
};
