/** `compose ps`: the project's containers with their service, as docker compose v2 lists them. */
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { formatRows } from '../../format/formatter.ts';
import { displayPorts, ellipsis, goQuote } from '../../format/container-row.ts';
import { timeAgo } from '../../../lib/human.ts';
import { COMPOSE_LABELS as L, type ContainerSummary } from '../../../compose/index.ts';
import type { ComposeSubcommand } from './compose-context.ts';
import { containerName, serviceContainers } from './service-containers.ts';

const HEADERS = { Name: 'NAME', Image: 'IMAGE', Command: 'COMMAND', Service: 'SERVICE', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS', ID: 'CONTAINER ID', State: 'STATE' };
const DEFAULT_TABLE = '{{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}';

function row(x: ContainerSummary): Record<string, unknown> {
  return {
    ID: x.Id.slice(0, 12), Name: containerName(x), Image: x.Image, Command: goQuote(ellipsis(x.Command ?? '', 20)), Service: x.Labels[L.service],
    Project: x.Labels[L.project], RunningFor: x.Created ? timeAgo(x.Created) : '', Status: x.Status, State: x.State, Ports: displayPorts(x.Ports), Labels: x.Labels,
  };
}

export const psCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'List containers',
  flags: [
    boolFlag('all', 'a', 'Show all stopped containers (including those created by the run command)'),
    boolFlag('quiet', 'q', 'Only display IDs'),
    boolFlag('services', undefined, 'Display services'),
    stringFlag('format', undefined, 'Format output using a custom template ("table", "json" or a Go template)', { default: 'table' }),
    listFlag('status', undefined, 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]'),
    listFlag('filter', undefined, 'Filter services by a property (supported filters: status)'),
  ],
  async run(c, flags) {
    let list = await serviceContainers(c, flags.args, { oneoff: flags.bool('all') ? undefined : false });
    if (!flags.bool('all')) list = list.filter((x) => x.State !== 'exited' && x.State !== 'created' || x.Labels[L.oneoff] !== 'True');
    const statuses = [...flags.list('status'), ...flags.list('filter').filter((f) => f.startsWith('status=')).map((f) => f.slice(7))];
    if (statuses.length) list = list.filter((x) => statuses.includes(x.State));
    if (flags.bool('services')) {
      c.cli.stdout.write([...new Set(list.map((x) => x.Labels[L.service]))].map((s) => `${s}\n`).join(''));
      return 0;
    }
    if (flags.bool('quiet')) {
      c.cli.stdout.write(list.map((x) => `${x.Id}\n`).join(''));
      return 0;
    }
    c.cli.stdout.write(formatRows(list.map(row), { format: flags.string('format'), defaultTable: DEFAULT_TABLE, headers: HEADERS }));
    return 0;
  },
};
