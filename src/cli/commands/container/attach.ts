/** docker attach: attach to a running container's streams and exit with its status. */
import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { ContainerInspect } from '../../../client/types.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { AttachSession } from './attach-session.ts';
import { ExitWaiter } from './wait-exit.ts';

export const attachCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER',
  description: 'Attach local standard input, output, and error streams to a running container',
  flags: [
    stringFlag('detach-keys', undefined, 'Override the key sequence for detaching a container'),
    boolFlag('no-stdin', undefined, 'Do not attach STDIN'),
    boolFlag('sig-proxy', undefined, 'Proxy all received signals to the process', { default: true }),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const client = ctx.client();
    const c = await client.json<ContainerInspect>('GET', `/containers/${encodeURIComponent(flags.args[0])}/json`);
    if (!c.State.Running) throw new StatusError('You cannot attach to a stopped container, start it first', 1);
    if (c.State.Paused) throw new StatusError('You cannot attach to a paused container, unpause it first', 1);
    const tty = c.Config.Tty;
    const stdin = !flags.bool('no-stdin') && c.Config.OpenStdin;
    if (tty && stdin && !ctx.stdin.isTTY) throw new StatusError('the input device is not a TTY', 1);
    const detachKeys = flags.string('detach-keys');
    const waiter = await ExitWaiter.open(client, c.Id, 'not-running');
    const conn = await client.hijack('POST', `/containers/${c.Id}/attach`, {
      query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: detachKeys || undefined },
    });
    const session = new AttachSession(ctx, client, conn, {
      tty,
      streams: { stdin, stdout: true, stderr: true },
      detachKeys,
      signalProxyFor: !tty && flags.bool('sig-proxy') ? c.Id : undefined,
    });
    if (tty) session.forwardResize(ctx, client, `/containers/${c.Id}/resize`);
    const { detached } = await session.done;
    if (detached) {
      waiter.abandon();
      return 0;
    }
    return waiter.result();
  },
};
