import type { CommandDefinition } from '../../command.ts';
import { stringFlag } from '../../flags/flag-spec.ts';
import { inspectEach } from '../inspect-output.ts';

export const volumeInspectCommand: CommandDefinition = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Display detailed information on one or more volumes',
  flags: [stringFlag('format', 'f', 'Format output using a custom template')],
  args: { min: 1 },
  run: (ctx, flags) => inspectEach(ctx, flags.args, flags.string('format'), (ref) => ctx.client().json('GET', `/volumes/${encodeURIComponent(ref)}`)),
};
