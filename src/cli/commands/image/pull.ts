import type { CommandDefinition } from '../../command.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { pullImage } from './pull-image.ts';
import { familiarTagged, parseImageReference, qualifiedRepository } from './image-reference.ts';

export const imagePullCommand: CommandDefinition = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  description: 'Download an image from a registry',
  flags: [
    boolFlag('all-tags', 'a', 'Download all tagged images in the repository'),
    boolFlag('disable-content-trust', undefined, 'Skip image verification', { default: true }),
    stringFlag('platform', undefined, 'Set platform if server is multi-platform capable'),
    boolFlag('quiet', 'q', 'Suppress verbose output'),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const ref = flags.args[0];
    const allTags = flags.bool('all-tags');
    if (allTags && (parseImageReference(ref).tag || parseImageReference(ref).digest)) {
      throw new Error('tag can\'t be used with --all-tags/-a');
    }
    if (!allTags && !parseImageReference(ref).tag && !parseImageReference(ref).digest) {
      ctx.stdout.write('Using default tag: latest\n');
    }
    await pullImage(ctx.client(), ref, { out: ctx.stdout, quiet: flags.bool('quiet'), platform: flags.string('platform') || undefined, allTags, env: ctx.env });
    const r = parseImageReference(familiarTagged(ref));
    const suffix = `${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
    ctx.stdout.write(`${qualifiedRepository(r.repository)}${suffix}\n`);
    return 0;
  },
};
