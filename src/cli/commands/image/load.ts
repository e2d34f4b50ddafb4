/** `berth load [-i FILE]`: POST /images/load with the archive (plain or compressed) from a file or stdin. */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommandDefinition } from '../../command.ts';
import { JsonMessageRenderer, readJsonMessages } from '../../../client/json-messages.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';

export const imageLoadCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Load an image from a tar archive or STDIN',
  flags: [
    stringFlag('input', 'i', 'Read from tar archive file, instead of STDIN'),
    boolFlag('quiet', 'q', 'Suppress the load output'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const input = flags.string('input');
    if (!input && ctx.stdin.isTTY) throw new Error('requested load from stdin, but stdin is empty');
    let body: Readable = ctx.stdin;
    if (input) {
      body = createReadStream(input);
      await new Promise<void>((resolve, reject) => body.once('open', () => resolve()).once('error', reject));
    }
    const quiet = flags.bool('quiet') || !ctx.stdout.isTTY;
    const res = await ctx.client().request('POST', '/images/load', {
      query: { quiet: quiet ? '1' : '0' }, body, headers: { 'Content-Type': 'application/x-tar' },
    });
    const renderer = new JsonMessageRenderer(ctx.stdout, { isTerminal: Boolean(ctx.stdout.isTTY) });
    await readJsonMessages(res, (m) => renderer.render(m));
    return 0;
  },
};
