/** top, port, events, ls and version: read-only views of the project's containers. */
import { boolFlag, intFlag, stringFlag } from '../../flags/flag-spec.ts';
import { alignColumns } from '../../format/tab-writer.ts';
import { JsonLinesDecoder } from '../../../lib/streams/json-lines.ts';
import { COMPOSE_LABELS as L, COMPOSE_VERSION, type ContainerSummary } from '../../../compose/index.ts';
import type { ComposeSubcommand } from './compose-context.ts';
import { containerName, oneContainer, serviceContainers } from './service-containers.ts';

export const topCommand: ComposeSubcommand = {
  usage: '[SERVICES...]',
  description: 'Display the running processes',
  flags: [],
  async run(c, flags) {
    for (const x of (await serviceContainers(c, flags.args, { oneoff: false })).filter((y) => y.State === 'running')) {
      const t = await c.cli.client().json<{ Titles: string[]; Processes: string[][] }>('GET', `/containers/${x.Id}/top`);
      c.cli.stdout.write(`${containerName(x)}\n${alignColumns([t.Titles, ...t.Processes].map((r) => `${r.join('\t')}\n`).join(''))}\n`);
    }
    return 0;
  },
};

export const portCommand: ComposeSubcommand = {
  usage: '[OPTIONS] SERVICE PRIVATE_PORT',
  description: 'Print the public port for a port binding',
  flags: [intFlag('index', undefined, 'Index of the container if service has multiple replicas', { default: 1 }), stringFlag('protocol', undefined, 'tcp or udp', { default: 'tcp' })],
  async run(c, flags) {
    const [service, port] = flags.args;
    if (!service || !port) throw new Error('"compose port" requires exactly 2 arguments');
    const x = await oneContainer(c, service, flags.int('index'));
    const b = (x.Ports ?? []).find((q) => q.PrivatePort === Number(port) && q.Type === flags.string('protocol') && q.PublicPort);
    if (!b) throw new Error(`no port ${port}/${flags.string('protocol')} for container ${containerName(x)}`);
    c.cli.stdout.write(`${b.IP || '0.0.0.0'}:${b.PublicPort}\n`);
    return 0;
  },
};

interface EventMessage { Type: string; Action: string; time: number; timeNano?: number; Actor: { ID: string; Attributes: Record<string, string> } }

export const eventsCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Receive real time events from containers',
  flags: [boolFlag('json', undefined, 'Output events as a stream of json objects')],
  async run(c, flags) {
    const filters = JSON.stringify({ type: ['container'], label: [`${L.project}=${c.projectName()}`] });
    const res = await c.cli.client().request('GET', '/events', { query: { filters } });
    const decoder = new JsonLinesDecoder((v) => {
      const e = v as EventMessage;
      const service = e.Actor.Attributes[L.service];
      if (flags.args.length && !flags.args.includes(service)) return;
      const time = new Date(Math.floor((e.timeNano ?? e.time * 1e9) / 1e6)).toISOString();
      if (flags.bool('json')) {
        c.cli.stdout.write(`${JSON.stringify({ time, type: e.Type, action: e.Action, id: e.Actor.ID, service, attributes: e.Actor.Attributes })}\n`);
      } else {
        const attrs = Object.entries(e.Actor.Attributes).filter(([k]) => !k.startsWith('com.docker.compose.')).map(([k, val]) => `${k}=${val}`).join(', ');
        c.cli.stdout.write(`${time} ${e.Type} ${e.Action} ${e.Actor.ID} (${attrs})\n`);
      }
    });
    for await (const chunk of res) decoder.push(chunk as Buffer);
    return 0;
  },
};

export const lsCommand: ComposeSubcommand = {
  usage: '[OPTIONS]',
  description: 'List running compose projects',
  flags: [boolFlag('all', 'a', 'Show all stopped Compose projects'), boolFlag('quiet', 'q', 'Only display IDs'), stringFlag('format', undefined, 'Format the output. Values: [table | json]', { default: 'table' })],
  async run(c, flags) {
    const all = await c.cli.client().json<ContainerSummary[]>('GET', '/containers/json', { query: { all: '1', filters: JSON.stringify({ label: [L.project] }) } });
    const projects = new Map<string, { states: Map<string, number>; files: string }>();
    for (const x of all) {
      const p = projects.get(x.Labels[L.project]) ?? { states: new Map(), files: x.Labels[L.configFiles] ?? '' };
      p.states.set(x.State, (p.states.get(x.State) ?? 0) + 1);
      projects.set(x.Labels[L.project], p);
    }
    const rows = [...projects].filter(([, p]) => flags.bool('all') || p.states.has('running')).sort(([a], [b]) => a.localeCompare(b))
      .map(([name, p]) => ({ Name: name, Status: [...p.states].map(([s, n]) => `${s}(${n})`).join(', '), ConfigFiles: p.files }));
    if (flags.bool('quiet')) c.cli.stdout.write(rows.map((r) => `${r.Name}\n`).join(''));
    else if (flags.string('format') === 'json') c.cli.stdout.write(`${JSON.stringify(rows)}\n`);
    else c.cli.stdout.write(alignColumns(['NAME\tSTATUS\tCONFIG FILES\n', ...rows.map((r) => `${r.Name}\t${r.Status}\t${r.ConfigFiles}\n`)].join('')));
    return 0;
  },
};

export const versionCommand: ComposeSubcommand = {
  usage: '[OPTIONS]',
  description: 'Show the Docker Compose version information',
  flags: [boolFlag('short', undefined, "Shows only Compose's version number"), stringFlag('format', 'f', 'Format the output. Values: [pretty | json]', { default: 'pretty' })],
  async run(c, flags) {
    if (flags.bool('short')) c.cli.stdout.write(`${COMPOSE_VERSION}\n`);
    else if (flags.string('format') === 'json') c.cli.stdout.write(`${JSON.stringify({ version: `v${COMPOSE_VERSION}` })}\n`);
    else c.cli.stdout.write(`Docker Compose version v${COMPOSE_VERSION} (berth)\n`);
    return 0;
  },
};
