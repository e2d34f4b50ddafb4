import type { CommandDefinition } from '../../command.ts';
import { parseImageReference } from './image-reference.ts';

export const imageTagCommand: CommandDefinition = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, flags) {
    const [source, target] = flags.args;
    const t = parseImageReference(target);
    if (t.digest) throw new Error('refusing to create a tag with a digest reference');
    await ctx.client().call('POST', `/images/${encodeURIComponent(source)}/tag`, {
      query: { repo: t.repository, tag: t.tag ?? 'latest' },
    });
    return 0;
  },
};
