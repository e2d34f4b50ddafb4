/** `berth export [-o FILE] CONTAINER`: the container's filesystem as a tar (never to a terminal). */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { CommandDefinition } from '../../command.ts';
import { stringFlag } from '../../flags/flag-spec.ts';

export const exportCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER',
  description: "Export a container's filesystem as a tar archive",
  flags: [stringFlag('output', 'o', 'Write to a file, instead of STDOUT')],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const output = flags.string('output');
    if (!output && ctx.stdout.isTTY) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const res = await ctx.client().request('GET', `/containers/${encodeURIComponent(flags.args[0])}/export`);
    await pipeline(res, output ? createWriteStream(output) : ctx.stdout);
    return 0;
  },
};
