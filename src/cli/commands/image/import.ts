import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommandDefinition } from '../../command.ts';
import { JsonMessageRenderer, readJsonMessages } from '../../../client/json-messages.ts';
import { listFlag, stringFlag } from '../../flags/flag-spec.ts';

export const imageImportCommand: CommandDefinition = {
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  description: 'Import the contents from a tarball to create a filesystem image',
  flags: [
    listFlag('change', 'c', 'Apply Dockerfile instruction to the created image'),
    stringFlag('message', 'm', 'Set commit message for imported image'),
    stringFlag('platform', undefined, 'Set platform if server is multi-platform capable'),
  ],
  args: { min: 1, max: 2 },
  async run(ctx, flags) {
    const [source, ref] = flags.args;
    let fromSrc = source;
    let body: Readable | undefined;
    if (source === '-') body = ctx.stdin;
    else if (!/^https?:\/\//.test(source)) {
      fromSrc = '-';
      body = createReadStream(source);
      await new Promise<void>((resolve, reject) => body!.once('open', () => resolve()).once('error', reject));
    }
    const res = await ctx.client().request('POST', '/images/create', {
      query: {
        fromSrc,
        repo: ref,
        message: flags.string('message') || undefined,
        platform: flags.string('platform') || undefined,
        changes: flags.list('change'),
      },
      body,
    });
    const renderer = new JsonMessageRenderer(ctx.stdout, { isTerminal: Boolean(ctx.stdout.isTTY) });
    await readJsonMessages(res, (m) => renderer.render(m));
    return 0;
  },
};
