import type { CommandDefinition } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { keyValues } from '../key-values.ts';

export const networkCreateCommand: CommandDefinition = {
  usage: '[OPTIONS] NETWORK',
  description: 'Create a network',
  flags: [
    boolFlag('attachable', undefined, 'Enable manual container attachment'),
    listFlag('aux-address', undefined, 'Auxiliary IPv4 or IPv6 addresses used by Network driver', { valueName: 'map' }),
    stringFlag('driver', 'd', 'Driver to manage the Network', { default: 'bridge' }),
    listFlag('gateway', undefined, 'IPv4 or IPv6 Gateway for the master subnet', { valueName: 'strings' }),
    boolFlag('internal', undefined, 'Restrict external access to the network'),
    listFlag('ip-range', undefined, 'Allocate container ip from a sub-range', { valueName: 'strings' }),
    stringFlag('ipam-driver', undefined, 'IP Address Management Driver', { default: 'default' }),
    boolFlag('ipv6', undefined, 'Enable or disable IPv6 networking'),
    listFlag('label', undefined, 'Set metadata on a network', { valueName: 'list' }),
    listFlag('opt', 'o', 'Set driver specific options', { valueName: 'map' }),
    listFlag('subnet', undefined, 'Subnet in CIDR format that represents a network segment', { valueName: 'strings' }),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const subnets = flags.list('subnet');
    const gateways = flags.list('gateway');
    const ranges = flags.list('ip-range');
    if (gateways.length > subnets.length) throw new Error('every gateway must have a corresponding subnet');
    if (ranges.length > subnets.length) throw new Error('every ip-range must have a corresponding subnet');
    const config = subnets.map((Subnet, i) => ({ Subnet, ...(gateways[i] ? { Gateway: gateways[i] } : {}), ...(ranges[i] ? { IPRange: ranges[i] } : {}) }));
    const res = await ctx.client().json<{ Id: string }>('POST', '/networks/create', {
      body: {
        Name: flags.args[0], Driver: flags.string('driver'), Internal: flags.bool('internal'), Attachable: flags.bool('attachable'),
        EnableIPv6: flags.bool('ipv6'), Options: keyValues(flags.list('opt')), Labels: keyValues(flags.list('label')),
        IPAM: { Driver: flags.string('ipam-driver'), Config: config, Options: {} },
      },
    });
    ctx.stdout.write(`${res.Id}\n`);
    return 0;
  },
};
