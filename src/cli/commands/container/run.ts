/**
 * docker run: create (pulling on 404), attach (unless -d), wait opened before start, start, resize with a TTY,
 * then exit with the container's status. With -d, print the full ID.
 */
import type { CommandDefinition, CliContext } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { ParsedFlags } from '../../flags/parse-flags.ts';
import { errorText } from '../../error-text.ts';
import { CONTAINER_FLAGS, RUN_ONLY_FLAGS, buildCreateRequest } from './container-options.ts';
import { createContainer } from './create-container.ts';
import { AttachSession } from './attach-session.ts';
import { ExitWaiter } from './wait-exit.ts';

/** docker maps start failures of the container process to 126/127 like a shell. */
export function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied/.test(message)) return 126;
  return 125;
}

async function runContainer(ctx: CliContext, flags: ParsedFlags): Promise<number> {
  const detach = flags.bool('detach');
  const req = buildCreateRequest(flags, ctx.env, { detach });
  const { Tty: tty, AttachStdin: attachStdin } = req.config;
  if (tty && attachStdin && !ctx.stdin.isTTY) throw new StatusError('the input device is not a TTY', 1);
  const client = ctx.client();
  const id = await createContainer(ctx, req, { pull: flags.string('pull'), quiet: flags.bool('quiet') });

  let session: AttachSession | undefined;
  if (!detach && (req.config.AttachStdin || req.config.AttachStdout || req.config.AttachStderr)) {
    const conn = await client.hijack('POST', `/containers/${id}/attach`, {
      query: {
        stream: true,
        stdin: req.config.AttachStdin,
        stdout: req.config.AttachStdout,
        stderr: req.config.AttachStderr,
        detachKeys: flags.string('detach-keys') || undefined,
      },
    });
    session = new AttachSession(ctx, client, conn, {
      tty,
      streams: { stdin: req.config.AttachStdin, stdout: req.config.AttachStdout, stderr: req.config.AttachStderr },
      detachKeys: flags.string('detach-keys'),
      signalProxyFor: !tty && flags.bool('sig-proxy') ? id : undefined,
    });
  }
  const waiter = await ExitWaiter.open(client, id, req.hostConfig.AutoRemove ? 'removed' : 'next-exit');
  try {
    await client.call('POST', `/containers/${id}/start`);
  } catch (e) {
    session?.close();
    waiter.abandon();
    const text = errorText(e);
    throw new StatusError(`berth: ${text}\n\nRun '${ctx.commandPath} --help' for more information`, startFailureCode(text));
  }
  if (detach) {
    waiter.abandon();
    ctx.stdout.write(`${id}\n`);
    return 0;
  }
  if (tty && session) session.forwardResize(ctx, client, `/containers/${id}/resize`);
  if (session) {
    const { detached } = await session.done;
    if (detached) {
      waiter.abandon();
      return 0;
    }
  }
  try {
    return await waiter.result();
  } catch (e) {
    throw new StatusError(`berth: ${errorText(e)}`, 125);
  }
}

export const runCommand: CommandDefinition = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  flags: [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS].sort((a, b) => a.long.localeCompare(b.long)),
  interspersed: false,
  args: { min: 1 },
  failureExitCode: 125,
  run: runContainer,
};
