import type { CommandDefinition } from '../../command.ts';
import { listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { keyValues } from '../key-values.ts';

export const volumeCreateCommand: CommandDefinition = {
  usage: '[OPTIONS] [VOLUME]',
  description: 'Create a volume',
  flags: [
    stringFlag('driver', 'd', 'Specify volume driver name', { default: 'local' }),
    listFlag('label', undefined, 'Set metadata for a volume', { valueName: 'list' }),
    stringFlag('name', undefined, 'Specify volume name', { hidden: true }),
    listFlag('opt', 'o', 'Set driver specific options', { valueName: 'map' }),
  ],
  args: { max: 1 },
  async run(ctx, flags) {
    const name = flags.args[0] ?? flags.string('name');
    if (flags.args[0] && flags.string('name') && flags.string('name') !== flags.args[0]) {
      throw new Error(`conflicting options: either specify --name or provide positional arg, not both`);
    }
    const v = await ctx.client().json<{ Name: string }>('POST', '/volumes/create', {
      body: { Name: name, Driver: flags.string('driver'), DriverOpts: keyValues(flags.list('opt')), Labels: keyValues(flags.list('label')) },
    });
    ctx.stdout.write(`${v.Name}\n`);
    return 0;
  },
};
