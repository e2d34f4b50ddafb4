/** `compose config`: validate and print the normalised model (YAML by default, as docker compose does). */
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { formatConfig } from '../../../compose/index.ts';
import type { ComposeSubcommand } from './compose-context.ts';

export const configCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Parse, resolve and render compose file in canonical format',
  flags: [
    stringFlag('format', undefined, 'Format the output. Values: [yaml | json]', { default: 'yaml' }),
    boolFlag('quiet', 'q', 'Only validate the configuration, don\'t print anything'),
    boolFlag('services', undefined, 'Print the service names, one per line'),
    boolFlag('volumes', undefined, 'Print the volume names, one per line'),
    boolFlag('networks', undefined, 'Print the network names, one per line'),
    boolFlag('profiles', undefined, 'Print the profile names, one per line'),
    stringFlag('output', 'o', 'Save to file (default to stdout)'),
  ],
  async run(c, flags) {
    const p = c.project();
    const lines = (xs: string[]) => c.cli.stdout.write(xs.map((x) => `${x}\n`).join(''));
    if (flags.bool('quiet')) return 0;
    if (flags.bool('services')) return (lines(Object.keys(p.services)), 0);
    if (flags.bool('volumes')) return (lines(Object.keys(p.volumes)), 0);
    if (flags.bool('networks')) return (lines(Object.keys(p.networks)), 0);
    if (flags.bool('profiles')) return (lines([...new Set([...Object.values(p.services), ...Object.values(p.disabled)].flatMap((s) => s.profiles ?? []))].sort()), 0);
    const format = flags.string('format');
    if (format !== 'yaml' && format !== 'json') throw new Error(`unsupported format ${JSON.stringify(format)}`);
    const text = formatConfig(p, format);
    if (flags.string('output')) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(flags.string('output'), text);
    } else c.cli.stdout.write(text);
    return 0;
  },
};
