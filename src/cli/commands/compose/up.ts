/**
 * `compose up`: converge, then (without -d) follow every container's log prefixed per service until they all
 * stop, Ctrl-C stops them, or with --abort-on-container-exit the first one exits.
 */
import { boolFlag, intFlag, listFlag } from '../../flags/flag-spec.ts';
import { up, type ContainerSummary } from '../../../compose/index.ts';
import type { ComposeCli, ComposeSubcommand } from './compose-context.ts';
import { LogPrinter } from './log-printer.ts';
import { containerName, serviceContainers } from './service-containers.ts';

export function parseScale(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m) throw new Error(`invalid --scale value ${JSON.stringify(v)}: expected SERVICE=NUM`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

export const upCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Create and start containers',
  flags: [
    boolFlag('detach', 'd', 'Detached mode: Run containers in the background'),
    boolFlag('build', undefined, 'Build images before starting containers'),
    boolFlag('no-build', undefined, "Don't build an image, even if it's policy"),
    boolFlag('force-recreate', undefined, "Recreate containers even if their configuration and image haven't changed"),
    boolFlag('no-recreate', undefined, "If containers already exist, don't recreate them"),
    boolFlag('no-deps', undefined, "Don't start linked services"),
    boolFlag('no-start', undefined, "Don't start the services after creating them"),
    listFlag('scale', undefined, 'Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present'),
    boolFlag('remove-orphans', undefined, 'Remove containers for services not defined in the Compose file'),
    boolFlag('wait', undefined, 'Wait for services to be running|healthy. Implies detached mode'),
    boolFlag('abort-on-container-exit', undefined, 'Stops all containers if any container was stopped. Incompatible with -d'),
    boolFlag('no-color', undefined, 'Produce monochrome output'),
    boolFlag('quiet-pull', undefined, 'Pull without printing progress information'),
    intFlag('timeout', 't', 'Use this timeout in seconds for container shutdown when attached or when containers are already running'),
  ],
  async run(c, flags) {
    const detach = flags.bool('detach') || flags.bool('wait');
    if (detach && flags.bool('abort-on-container-exit')) throw new Error('--abort-on-container-exit and --detach are incompatible');
    const project = c.project();
    await up(c.engine, project, {
      services: flags.args, build: flags.bool('build'), noBuild: flags.bool('no-build'), forceRecreate: flags.bool('force-recreate'),
      noRecreate: flags.bool('no-recreate'), noDeps: flags.bool('no-deps'), noStart: flags.bool('no-start'), scale: parseScale(flags.list('scale')),
      removeOrphans: flags.bool('remove-orphans'), wait: flags.bool('wait'), timeout: flags.changed('timeout') ? flags.int('timeout') : undefined,
    });
    if (detach || flags.bool('no-start')) return 0;
    return attach(c, flags.args, { abortOnExit: flags.bool('abort-on-container-exit'), colour: flags.bool('no-color') ? false : undefined, timeout: flags.changed('timeout') ? flags.int('timeout') : undefined });
  },
};

async function attach(c: ComposeCli, services: string[], o: { abortOnExit: boolean; colour?: boolean; timeout?: number }): Promise<number> {
  const client = c.cli.client();
  const containers = await serviceContainers(c, services, { oneoff: false });
  const printer = new LogPrinter(c.cli.stdout, containers.map(containerName), { colour: o.colour });
  const abort = new AbortController();
  const stopAll = async () => {
    await Promise.all(containers.map((x) => client.call('POST', `/containers/${x.Id}/stop`, { query: { t: o.timeout } }).catch(() => undefined)));
  };
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    c.cli.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    void stopAll().then(() => abort.abort());
  };
  process.on('SIGINT', onSigint);
  let exitCode = 0;
  let first: ContainerSummary | undefined;
  try {
    await Promise.all(containers.map(async (x) => {
      const tty = (await client.json<{ Config: { Tty: boolean } }>('GET', `/containers/${x.Id}/json`)).Config.Tty;
      await printer.stream(client, { id: x.Id, name: containerName(x), tty }, { follow: true }, abort.signal);
      const { StatusCode } = await client.json<{ StatusCode: number }>('POST', `/containers/${x.Id}/wait`);
      c.cli.stdout.write(`${containerName(x)} exited with code ${StatusCode}\n`);
      if (o.abortOnExit && !first) {
        first = x;
        exitCode = StatusCode;
        c.cli.stderr.write('Aborting on container exit...\n');
        await stopAll();
        abort.abort();
      }
    }));
  } finally {
    process.off('SIGINT', onSigint);
  }
  return interrupted ? 130 : exitCode;
}
