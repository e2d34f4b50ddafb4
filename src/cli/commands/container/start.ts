/** docker start: start each container; with -a/-i attach to one first and exit with its status. */
import type { CommandDefinition, CliContext } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { ParsedFlags } from '../../flags/parse-flags.ts';
import type { ContainerInspect } from '../../../client/types.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { forEachRef } from '../for-each-ref.ts';
import { AttachSession } from './attach-session.ts';
import { ExitWaiter } from './wait-exit.ts';

async function startAttached(ctx: CliContext, flags: ParsedFlags): Promise<number> {
  if (flags.args.length > 1) throw new StatusError('you cannot start and attach multiple containers at once', 1);
  const client = ctx.client();
  const c = await client.json<ContainerInspect>('GET', `/containers/${encodeURIComponent(flags.args[0])}/json`);
  const tty = c.Config.Tty;
  const stdin = flags.bool('interactive') && c.Config.OpenStdin;
  const detachKeys = flags.string('detach-keys');
  const conn = await client.hijack('POST', `/containers/${c.Id}/attach`, {
    query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: detachKeys || undefined },
  });
  const session = new AttachSession(ctx, client, conn, {
    tty,
    streams: { stdin, stdout: true, stderr: true },
    detachKeys,
    signalProxyFor: !tty && flags.bool('sig-proxy') ? c.Id : undefined,
  });
  const waiter = await ExitWaiter.open(client, c.Id, c.HostConfig?.AutoRemove ? 'removed' : 'next-exit');
  try {
    await client.call('POST', `/containers/${c.Id}/start`);
  } catch (e) {
    session.close();
    waiter.abandon();
    throw e;
  }
  if (tty) session.forwardResize(ctx, client, `/containers/${c.Id}/resize`);
  const { detached } = await session.done;
  if (detached) {
    waiter.abandon();
    return 0;
  }
  return waiter.result();
}

export const startCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  flags: [
    boolFlag('attach', 'a', 'Attach STDOUT/STDERR and forward signals'),
    stringFlag('detach-keys', undefined, 'Override the key sequence for detaching a container'),
    boolFlag('interactive', 'i', "Attach container's STDIN"),
    boolFlag('sig-proxy', undefined, 'Proxy received signals to the process', { default: true, hidden: true }),
  ],
  args: { min: 1 },
  async run(ctx, flags) {
    if (flags.bool('attach') || flags.bool('interactive')) return startAttached(ctx, flags);
    return forEachRef(ctx, flags.args, async (ref) => {
      await ctx.client().call('POST', `/containers/${encodeURIComponent(ref)}/start`);
    });
  },
};
