/** `compose run [--rm] [-e K=V] [--service-ports] SERVICE [CMD...]`: a one-off container, attached unless -d. */
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { parseFlags } from '../../flags/parse-flags.ts';
import { createOneOff, shellWords } from '../../../compose/index.ts';

import { startCommand } from '../container/start.ts';
import type { ComposeSubcommand } from './compose-context.ts';

export const runCommand: ComposeSubcommand = {
  usage: '[OPTIONS] SERVICE [COMMAND] [ARGS...]',
  description: 'Run a one-off command on a service',
  flags: [
    boolFlag('detach', 'd', 'Run container in background and print container ID'),
    boolFlag('rm', undefined, 'Automatically remove the container when it exits'),
    listFlag('env', 'e', 'Set environment variables'),
    boolFlag('service-ports', undefined, "Run command with all service's ports enabled and mapped to the host"),
    boolFlag('no-deps', undefined, "Don't start linked services"),
    stringFlag('name', undefined, 'Assign a name to the container'),
    stringFlag('entrypoint', undefined, 'Override the entrypoint of the image'),
    stringFlag('user', 'u', 'Run as specified username or uid'),
    stringFlag('workdir', 'w', 'Working directory inside the container'),
    boolFlag('no-TTY', 'T', 'Disable pseudo-TTY allocation (default: auto-detected)'),
    boolFlag('interactive', 'i', 'Keep STDIN open even if not attached', { default: true }),
  ],
  interspersed: false,
  async run(c, flags) {
    const [service, ...command] = flags.args;
    if (!service) throw new Error('"compose run" requires at least 1 argument');
    const p = c.project();
    const env: Record<string, string> = {};
    for (const e of flags.list('env')) {
      const i = e.indexOf('=');
      if (i >= 0) env[e.slice(0, i)] = e.slice(i + 1);
      else if (p.environment[e] !== undefined) env[e] = p.environment[e];
    }
    const detach = flags.bool('detach');
    const tty = !detach && !flags.bool('no-TTY') && Boolean(c.cli.stdin.isTTY);
    const interactive = !detach && flags.bool('interactive');
    const { id } = await createOneOff(c.engine, p, service, {
      command, env, servicePorts: flags.bool('service-ports'), noDeps: flags.bool('no-deps'), name: flags.string('name') || undefined,
      entrypoint: flags.changed('entrypoint') ? shellWords(flags.string('entrypoint')) : undefined, user: flags.string('user') || undefined,
      workdir: flags.string('workdir') || undefined, tty, interactive,
    });
    const client = c.cli.client();
    if (detach) {
      await client.call('POST', `/containers/${id}/start`);
      c.cli.stdout.write(`${id}\n`);
      return 0;
    }
    try {
      return await startCommand.run(c.cli, parseFlags(['-a', ...(interactive ? ['-i'] : []), id], startCommand.flags));
    } finally {
      if (flags.bool('rm')) await client.call('DELETE', `/containers/${id}`, { query: { force: '1', v: '1' } }).catch(() => undefined);
    }
  },
};
