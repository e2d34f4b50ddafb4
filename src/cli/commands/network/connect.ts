/** `network connect` and `network disconnect`. */
import type { CommandDefinition } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';

export const networkConnectCommand: CommandDefinition = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Connect a container to a network',
  flags: [
    listFlag('alias', undefined, 'Add network-scoped alias for the container', { valueName: 'strings' }),
    listFlag('driver-opt', undefined, 'driver options for the network', { valueName: 'strings' }),
    stringFlag('ip', undefined, 'IPv4 address (e.g., "172.30.100.104")'),
    stringFlag('ip6', undefined, 'IPv6 address (e.g., "2001:db8::33")'),
    listFlag('link', undefined, 'Add link to another container', { valueName: 'list' }),
    listFlag('link-local-ip', undefined, 'Add a link-local address for the container', { valueName: 'strings' }),
  ],
  args: { min: 2, max: 2 },
  async run(ctx, flags) {
    const [network, container] = flags.args;
    const ip = flags.string('ip');
    const ip6 = flags.string('ip6');
    await ctx.client().call('POST', `/networks/${encodeURIComponent(network)}/connect`, {
      body: {
        Container: container,
        EndpointConfig: {
          Aliases: flags.list('alias'), Links: flags.list('link'),
          ...(ip || ip6 ? { IPAMConfig: { ...(ip ? { IPv4Address: ip } : {}), ...(ip6 ? { IPv6Address: ip6 } : {}) } } : {}),
        },
      },
    });
    return 0;
  },
};

export const networkDisconnectCommand: CommandDefinition = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Disconnect a container from a network',
  flags: [boolFlag('force', 'f', 'Force the container to disconnect from a network')],
  args: { min: 2, max: 2 },
  async run(ctx, flags) {
    const [network, container] = flags.args;
    await ctx.client().call('POST', `/networks/${encodeURIComponent(network)}/disconnect`, { body: { Container: container, Force: flags.bool('force') } });
    return 0;
  },
};
