/** start, stop, restart, kill, pause, unpause, rm: one Engine API call per service container, in dependency order. */
import { boolFlag, intFlag, stringFlag } from '../../flags/flag-spec.ts';
import type { ParsedFlags } from '../../flags/parse-flags.ts';
import { COMPOSE_LABELS as L, dependencyOrder, type ContainerSummary } from '../../../compose/index.ts';
import type { ComposeCli, ComposeSubcommand } from './compose-context.ts';
import { containerName, serviceContainers } from './service-containers.ts';

interface Verb {
  description: string;
  past: string;
  flags?: ComposeSubcommand['flags'];
  /** Which containers the verb applies to. */
  applies(x: ContainerSummary): boolean;
  /** Dependencies first (start) or dependents first (stop). */
  reverse?: boolean;
  call(c: ComposeCli, x: ContainerSummary, flags: ParsedFlags): Promise<unknown>;
}

/** Containers ordered by their service's place in the dependency graph (when a model can be loaded). */
function ordered(c: ComposeCli, list: ContainerSummary[], reverse: boolean): ContainerSummary[] {
  let order: string[] = [];
  try {
    order = dependencyOrder(c.project());
  } catch {
    // no compose file: the project name alone still selects the containers
  }
  const rank = (x: ContainerSummary) => order.indexOf(x.Labels[L.service]);
  const sorted = [...list].sort((a, b) => rank(a) - rank(b));
  return reverse ? sorted.reverse() : sorted;
}

const timeoutQuery = (f: ParsedFlags) => ({ t: f.changed('timeout') ? f.int('timeout') : undefined });
const timeoutFlag = intFlag('timeout', 't', 'Specify a shutdown timeout in seconds');
const live = (x: ContainerSummary) => x.State === 'running' || x.State === 'paused' || x.State === 'restarting';

const VERBS: Record<string, Verb> = {
  start: { description: 'Start services', past: 'Started', applies: (x) => !live(x), call: (c, x) => c.cli.client().call('POST', `/containers/${x.Id}/start`) },
  stop: { description: 'Stop services', past: 'Stopped', reverse: true, flags: [timeoutFlag], applies: live, call: (c, x, f) => c.cli.client().call('POST', `/containers/${x.Id}/stop`, { query: timeoutQuery(f) }) },
  restart: { description: 'Restart service containers', past: 'Started', flags: [timeoutFlag, boolFlag('no-deps', undefined, "Don't restart dependent services")], applies: () => true, call: (c, x, f) => c.cli.client().call('POST', `/containers/${x.Id}/restart`, { query: timeoutQuery(f) }) },
  kill: { description: 'Force stop service containers', past: 'Killed', reverse: true, flags: [stringFlag('signal', 's', 'SIGNAL to send to the container', { default: 'SIGKILL' }), boolFlag('remove-orphans', undefined, 'Remove containers for services not defined in the Compose file')], applies: (x) => x.State === 'running', call: (c, x, f) => c.cli.client().call('POST', `/containers/${x.Id}/kill`, { query: { signal: f.string('signal') } }) },
  pause: { description: 'Pause services', past: 'Paused', applies: (x) => x.State === 'running', call: (c, x) => c.cli.client().call('POST', `/containers/${x.Id}/pause`) },
  unpause: { description: 'Unpause services', past: 'Unpaused', applies: (x) => x.State === 'paused', call: (c, x) => c.cli.client().call('POST', `/containers/${x.Id}/unpause`) },
  rm: {
    description: 'Removes stopped service containers', past: 'Removed',
    flags: [boolFlag('force', 'f', "Don't ask to confirm removal"), boolFlag('stop', 's', 'Stop the containers, if required, before removing'), boolFlag('volumes', 'v', 'Remove any anonymous volumes attached to containers')],
    applies: () => true,
    async call(c, x, f) {
      if (live(x)) {
        if (!f.bool('stop')) return;
        await c.cli.client().call('POST', `/containers/${x.Id}/stop`);
      }
      await c.cli.client().call('DELETE', `/containers/${x.Id}`, { query: { v: f.bool('volumes') || undefined } });
    },
  },
};

function lifecycle(name: string, v: Verb): ComposeSubcommand {
  return {
    usage: '[OPTIONS] [SERVICE...]',
    description: v.description,
    flags: v.flags ?? [],
    async run(c, flags) {
      const list = ordered(c, (await serviceContainers(c, flags.args, { oneoff: name === 'rm' ? undefined : false })).filter(v.applies), v.reverse ?? false);
      if (name === 'rm' && list.length === 0) c.cli.stderr.write('No stopped containers\n');
      for (const x of list) {
        await v.call(c, x, flags);
        c.cli.stderr.write(` Container ${containerName(x)}  ${v.past}\n`);
      }
      return 0;
    },
  };
}

export const LIFECYCLE: Record<string, ComposeSubcommand> = Object.fromEntries(Object.entries(VERBS).map(([n, v]) => [n, lifecycle(n, v)]));
