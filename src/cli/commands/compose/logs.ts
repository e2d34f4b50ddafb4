/** `compose logs [-f] [--tail N] [-t] [SERVICE...]`: every container's log, prefixed by its name. */
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import type { ComposeSubcommand } from './compose-context.ts';
import { LogPrinter } from './log-printer.ts';
import { containerName, serviceContainers } from './service-containers.ts';

interface Inspect { Config: { Tty: boolean } }

export const logsCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'View output from containers',
  flags: [
    boolFlag('follow', 'f', 'Follow log output'),
    stringFlag('tail', 'n', 'Number of lines to show from the end of the logs for each container', { default: 'all' }),
    boolFlag('timestamps', 't', 'Show timestamps'),
    boolFlag('no-color', undefined, 'Produce monochrome output'),
    boolFlag('no-log-prefix', undefined, "Don't print prefix in logs"),
    stringFlag('since', undefined, 'Show logs since timestamp'),
    stringFlag('until', undefined, 'Show logs before a timestamp'),
  ],
  async run(c, flags) {
    const containers = await serviceContainers(c, flags.args);
    const client = c.cli.client();
    const printer = new LogPrinter(c.cli.stdout, containers.map(containerName), { colour: flags.bool('no-color') ? false : undefined, prefix: !flags.bool('no-log-prefix') });
    await Promise.all(containers.map(async (x) => {
      const i = await client.json<Inspect>('GET', `/containers/${x.Id}/json`);
      await printer.stream(client, { id: x.Id, name: containerName(x), tty: i.Config.Tty }, {
        follow: flags.bool('follow'), tail: flags.string('tail'), timestamps: flags.bool('timestamps'),
        since: flags.string('since') || undefined, until: flags.string('until') || undefined,
      });
    }));
    return 0;
  },
};
