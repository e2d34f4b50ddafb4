/** docker exec: create an exec instance, start it (hijacked unless -d), then exit with its ExitCode. */
import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { ExecInspect } from '../../../client/types.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { AttachSession } from './attach-session.ts';
import { readEnvFile } from './container-options.ts';

export const execCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  description: 'Execute a command in a running container',
  flags: [
    boolFlag('detach', 'd', 'Detached mode: run command in the background'),
    stringFlag('detach-keys', undefined, 'Override the key sequence for detaching a container'),
    listFlag('env', 'e', 'Set environment variables'),
    listFlag('env-file', undefined, 'Read in a file of environment variables'),
    boolFlag('interactive', 'i', 'Keep STDIN open even if not attached'),
    boolFlag('privileged', undefined, 'Give extended privileges to the command'),
    boolFlag('tty', 't', 'Allocate a pseudo-TTY'),
    stringFlag('user', 'u', 'Username or UID (format: "<name|uid>[:<group|gid>]")'),
    stringFlag('workdir', 'w', 'Working directory inside the container'),
  ],
  interspersed: false,
  args: { min: 2 },
  async run(ctx, flags) {
    const [ref, ...cmd] = flags.args;
    const client = ctx.client();
    const detach = flags.bool('detach');
    const tty = flags.bool('tty');
    const stdin = flags.bool('interactive') && !detach;
    if (tty && stdin && !ctx.stdin.isTTY) throw new StatusError('the input device is not a TTY', 1);
    const env = [...flags.list('env-file').flatMap((f) => readEnvFile(f, ctx.env)), ...flags.list('env')];
    const created = await client.json<{ Id: string }>('POST', `/containers/${encodeURIComponent(ref)}/exec`, {
      body: {
        User: flags.string('user'),
        Privileged: flags.bool('privileged'),
        Tty: tty,
        AttachStdin: stdin,
        AttachStdout: !detach,
        AttachStderr: !detach,
        Detach: detach,
        DetachKeys: flags.string('detach-keys'),
        Env: env,
        WorkingDir: flags.string('workdir'),
        Cmd: cmd,
      },
    });
    const execId = created.Id;
    if (detach) {
      await client.call('POST', `/exec/${execId}/start`, { body: { Detach: true, Tty: tty } });
      return 0;
    }
    const conn = await client.hijack('POST', `/exec/${execId}/start`, { body: { Detach: false, Tty: tty } });
    const session = new AttachSession(ctx, client, conn, {
      tty,
      streams: { stdin, stdout: true, stderr: true },
      detachKeys: flags.string('detach-keys'),
    });
    if (tty) session.forwardResize(ctx, client, `/exec/${execId}/resize`);
    const { detached } = await session.done;
    if (detached) return 0;
    const info = await client.json<ExecInspect>('GET', `/exec/${execId}/json`);
    return info.ExitCode ?? 0;
  },
};
