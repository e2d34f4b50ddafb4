import type { CommandDefinition } from '../../command.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { inspectEach } from '../inspect-output.ts';

export const containerInspectCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Display detailed information on one or more containers',
  flags: [
    stringFlag('format', 'f', "Format output using a custom template:\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"),
    boolFlag('size', 's', 'Display total file sizes'),
  ],
  args: { min: 1 },
  run: (ctx, flags) =>
    inspectEach(ctx, flags.args, flags.string('format'), (ref) =>
      ctx.client().json('GET', `/containers/${encodeURIComponent(ref)}/json`, { query: { size: flags.bool('size') } }),
    ),
};
