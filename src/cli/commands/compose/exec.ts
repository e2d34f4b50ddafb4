/** `compose exec SERVICE CMD...`: `container exec` on the service's replica (--index), with a TTY unless -T. */
import { boolFlag, intFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { parseFlags } from '../../flags/parse-flags.ts';
import { execCommand as containerExec } from '../container/exec.ts';
import type { ComposeSubcommand } from './compose-context.ts';
import { oneContainer } from './service-containers.ts';

export const execCommand: ComposeSubcommand = {
  usage: '[OPTIONS] SERVICE COMMAND [ARGS...]',
  description: 'Execute a command in a running container',
  flags: [
    boolFlag('detach', 'd', 'Detached mode: Run command in the background'),
    listFlag('env', 'e', 'Set environment variables'),
    intFlag('index', undefined, 'Index of the container if service has multiple replicas', { default: 1 }),
    boolFlag('no-TTY', 'T', 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY'),
    boolFlag('privileged', undefined, 'Give extended privileges to the process'),
    stringFlag('user', 'u', 'Run the command as this user'),
    stringFlag('workdir', 'w', 'Path to workdir directory for this command'),
    boolFlag('interactive', 'i', 'Keep STDIN open even if not attached', { default: true }),
  ],
  interspersed: false,
  async run(c, flags) {
    const [service, ...cmd] = flags.args;
    if (!service || cmd.length === 0) throw new Error('"compose exec" requires at least 2 arguments');
    const target = await oneContainer(c, service, flags.int('index'));
    const tty = !flags.bool('no-TTY') && Boolean(c.cli.stdin.isTTY);
    const argv = [
      ...(flags.bool('detach') ? ['-d'] : []), ...(flags.bool('interactive') && !flags.bool('detach') ? ['-i'] : []), ...(tty ? ['-t'] : []),
      ...(flags.bool('privileged') ? ['--privileged'] : []), ...flags.list('env').flatMap((e) => ['-e', e]),
      ...(flags.string('user') ? ['-u', flags.string('user')] : []), ...(flags.string('workdir') ? ['-w', flags.string('workdir')] : []),
      target.Id, ...cmd,
    ];
    return containerExec.run(c.cli, parseFlags(argv, containerExec.flags, { interspersed: false }));
  },
};
