import type { CommandDefinition } from '../../command.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { inspectEach } from '../inspect-output.ts';

export const networkInspectCommand: CommandDefinition = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Display detailed information on one or more networks',
  flags: [
    stringFlag('format', 'f', 'Format output using a custom template'),
    boolFlag('verbose', 'v', 'Verbose output for diagnostics'),
  ],
  args: { min: 1 },
  run: (ctx, flags) =>
    inspectEach(ctx, flags.args, flags.string('format'), (ref) => ctx.client().json('GET', `/networks/${encodeURIComponent(ref)}`, { query: { verbose: flags.bool('verbose') } })),
};
