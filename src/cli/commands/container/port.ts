/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports, as docker prints them. */
import type { CommandDefinition } from '../../command.ts';

type PortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

export const portCommand: CommandDefinition = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: 'List port mappings or a specific mapping for the container',
  flags: [],
  args: { min: 1, max: 2 },
  async run(ctx, flags) {
    const [ref, wanted] = flags.args;
    const c = await ctx.client().json<{ Id: string; NetworkSettings: { Ports: PortMap | null } }>('GET', `/containers/${encodeURIComponent(ref)}/json`);
    const ports = c.NetworkSettings.Ports ?? {};
    const hostAddr = (b: { HostIp: string; HostPort: string }) => `${b.HostIp.includes(':') ? `[${b.HostIp}]` : b.HostIp}:${b.HostPort}`;
    if (wanted) {
      const key = wanted.includes('/') ? wanted : `${wanted}/tcp`;
      const bindings = ports[key];
      if (!bindings?.length) throw new Error(`Error: No public port '${key}' published for ${ref}`);
      ctx.stdout.write(bindings.map((b) => `${hostAddr(b)}\n`).join(''));
      return 0;
    }
    const lines: string[] = [];
    for (const [port, bindings] of Object.entries(ports).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))) {
      for (const b of bindings ?? []) lines.push(`${port} -> ${hostAddr(b)}\n`);
    }
    ctx.stdout.write(lines.join(''));
    return 0;
  },
};
