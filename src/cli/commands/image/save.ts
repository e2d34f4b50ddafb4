/** `berth save [-o FILE] IMAGE...`: GET /images/get?names=… written to a file or stdout (never to a terminal). */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { CommandDefinition } from '../../command.ts';
import { stringFlag } from '../../flags/flag-spec.ts';

export const imageSaveCommand: CommandDefinition = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags: [stringFlag('output', 'o', 'Write to a file, instead of STDOUT')],
  args: { min: 1 },
  async run(ctx, flags) {
    const output = flags.string('output');
    if (!output && ctx.stdout.isTTY) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const res = await ctx.client().request('GET', '/images/get', { query: { names: flags.args } });
    await pipeline(res, output ? createWriteStream(output) : ctx.stdout);
    return 0;
  },
};
