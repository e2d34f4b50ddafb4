/**
 * `berth stack deploy|ls|ps|services|rm` on one node: a stack is a compose project named after the stack,
 * converged by the same engine, its containers labelled com.docker.stack.namespace. Rolling replacement follows
 * deploy.update_config.
 */
import type { CommandDefinition } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { alignColumns } from '../../format/tab-writer.ts';
import { displayPorts } from '../../format/container-row.ts';
import { COMPOSE_LABELS as L, down, loadProject, projectContainers, up, type ContainerSummary } from '../../../compose/index.ts';
import { makeComposeCli } from '../compose/compose-context.ts';

const NAMESPACE = 'com.docker.stack.namespace';

const engine = (ctx: Parameters<CommandDefinition['run']>[0]) => makeComposeCli(ctx, { files: [], envFiles: [], profiles: [] }).engine;

async function stackContainers(ctx: Parameters<CommandDefinition['run']>[0], stack?: string): Promise<ContainerSummary[]> {
  return ctx.client().json<ContainerSummary[]>('GET', '/containers/json', { query: { all: '1', filters: JSON.stringify({ label: [stack ? `${NAMESPACE}=${stack}` : NAMESPACE] }) } });
}

export const stackDeployCommand: CommandDefinition = {
  usage: '[OPTIONS] STACK',
  description: 'Deploy a new stack or update an existing stack',
  flags: [listFlag('compose-file', 'c', 'Path to a Compose file, or "-" to read from stdin'), boolFlag('prune', undefined, 'Prune services that are no longer referenced'), stringFlag('resolve-image', undefined, 'Query the registry to resolve image digest and supported platforms ("always", "changed", "never")', { default: 'always' })],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const [stack] = flags.args;
    if (flags.list('compose-file').length === 0) throw new Error('Please specify only one compose file (with --compose-file).');
    const p = loadProject({ files: flags.list('compose-file'), projectName: stack, env: ctx.env, cwd: process.cwd() });
    for (const s of Object.values(p.services)) s.labels = { ...s.labels, [NAMESPACE]: stack };
    ctx.stderr.write(`Deploying stack ${stack}\n`);
    await up(engine(ctx), p, { removeOrphans: flags.bool('prune') });
    return 0;
  },
};

export const stackLsCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'List stacks',
  flags: [stringFlag('format', undefined, 'Format output using a custom template')],
  async run(ctx) {
    const stacks = new Map<string, Set<string>>();
    for (const x of await stackContainers(ctx)) (stacks.get(x.Labels[NAMESPACE]) ?? stacks.set(x.Labels[NAMESPACE], new Set()).get(x.Labels[NAMESPACE])!).add(x.Labels[L.service]);
    ctx.stdout.write(alignColumns(['NAME\tSERVICES\n', ...[...stacks].sort(([a], [b]) => a.localeCompare(b)).map(([n, s]) => `${n}\t${s.size}\n`)].join('')));
    return 0;
  },
};

export const stackServicesCommand: CommandDefinition = {
  usage: '[OPTIONS] STACK',
  description: 'List the services in the stack',
  flags: [boolFlag('quiet', 'q', 'Only display IDs')],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const [stack] = flags.args;
    const byService = new Map<string, ContainerSummary[]>();
    for (const x of await projectContainers(engine(ctx), stack, { oneoff: false })) (byService.get(x.Labels[L.service]) ?? byService.set(x.Labels[L.service], []).get(x.Labels[L.service])!).push(x);
    if (flags.bool('quiet')) {
      ctx.stdout.write([...byService.keys()].map((s) => `${stack}_${s}\n`).join(''));
      return 0;
    }
    const rows = [...byService].map(([s, xs]) => `${xs[0].Id.slice(0, 12)}\t${stack}_${s}\treplicated\t${xs.filter((x) => x.State === 'running').length}/${xs.length}\t${xs[0].Image}\t${displayPorts(xs[0].Ports)}\n`);
    ctx.stdout.write(alignColumns(['ID\tNAME\tMODE\tREPLICAS\tIMAGE\tPORTS\n', ...rows].join('')));
    return 0;
  },
};

export const stackPsCommand: CommandDefinition = {
  usage: '[OPTIONS] STACK',
  description: 'List the tasks in the stack',
  flags: [boolFlag('quiet', 'q', 'Only display task IDs'), boolFlag('no-trunc', undefined, "Do not truncate output")],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const [stack] = flags.args;
    const list = await projectContainers(engine(ctx), stack, { oneoff: false });
    if (flags.bool('quiet')) {
      ctx.stdout.write(list.map((x) => `${x.Id.slice(0, 12)}\n`).join(''));
      return 0;
    }
    const rows = list.map((x) => `${x.Id.slice(0, 12)}\t${stack}_${x.Labels[L.service]}.${x.Labels[L.number]}\t${x.Image}\tlocal\t${x.State === 'running' ? 'Running' : 'Shutdown'}\t${x.Status}\t\t${displayPorts(x.Ports)}\n`);
    ctx.stdout.write(alignColumns(['ID\tNAME\tIMAGE\tNODE\tDESIRED STATE\tCURRENT STATE\tERROR\tPORTS\n', ...rows].join('')));
    return 0;
  },
};

export const stackRmCommand: CommandDefinition = {
  usage: '[OPTIONS] STACK [STACK...]',
  description: 'Remove one or more stacks',
  flags: [],
  args: { min: 1 },
  async run(ctx, flags) {
    for (const stack of flags.args) {
      if ((await stackContainers(ctx, stack)).length === 0) {
        ctx.stderr.write(`Nothing found in stack: ${stack}\n`);
        continue;
      }
      ctx.stderr.write(`Removing stack ${stack}\n`);
      await down(engine(ctx), { name: stack }, {});
    }
    return 0;
  },
};

