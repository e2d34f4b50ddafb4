import type { CommandDefinition } from '../../command.ts';
import { stringFlag } from '../../flags/flag-spec.ts';
import { inspectEach } from '../inspect-output.ts';

export const imageInspectCommand: CommandDefinition = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  flags: [
    stringFlag('format', 'f', 'Format output using a custom template'),
    stringFlag('platform', undefined, 'Inspect a specific platform of the multi-platform image.'),
  ],
  args: { min: 1 },
  run: (ctx, flags) =>
    inspectEach(ctx, flags.args, flags.string('format'), (ref) => ctx.client().json('GET', `/images/${encodeURIComponent(ref)}/json`)),
};
