/** The network parts of a container's inspect and list views, in Docker's shapes. */
import type { ContainerRecord } from './record.ts';

const ENDPOINT_DEFAULTS = {
  IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, GwPriority: 0, NetworkID: '',
  EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0, DNSNames: null,
};

export function networksView(rec: ContainerRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ep] of Object.entries(rec.endpoints)) {
    const { ifname: _i, ...wire } = ep as typeof ep & { ifname?: string };
    out[name] = { ...ENDPOINT_DEFAULTS, ...wire };
  }
  return out;
}

/** NetworkSettings.Ports: every exposed or published port, with its host bindings or null. */
export function portsView(rec: ContainerRecord): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(rec.config.ExposedPorts ?? {})) out[key] = null;
  for (const key of Object.keys(rec.hostConfig.PortBindings ?? {})) out[key] = null;
  for (const p of rec.ports ?? []) {
    const key = `${p.containerPort}/${p.proto}`;
    (out[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}

/** The `Ports` list of GET /containers/json. */
export function summaryPorts(rec: ContainerRecord): { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] {
  const published = (rec.ports ?? []).map((p) => ({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.proto }));
  const seen = new Set(published.map((p) => `${p.PrivatePort}/${p.Type}`));
  const exposed = Object.keys(rec.config.ExposedPorts ?? {})
    .filter((k) => !seen.has(k.includes('/') ? k : `${k}/tcp`))
    .map((k) => {
      const [port, proto = 'tcp'] = k.split('/');
      return { PrivatePort: Number(port), Type: proto };
    });
  return [...published, ...exposed];
}

export function networkSettingsView(rec: ContainerRecord): Record<string, unknown> {
  const primary = rec.endpoints.bridge ?? {};
  return {
    Bridge: '', SandboxID: rec.netnsPath ? rec.id : '', SandboxKey: rec.netnsPath ?? '', HairpinMode: false,
    LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: portsView(rec), SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null, EndpointID: primary.EndpointID ?? '', Gateway: primary.Gateway ?? '', GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0, IPAddress: primary.IPAddress ?? '', IPPrefixLen: primary.IPPrefixLen ?? 0, IPv6Gateway: '',
    MacAddress: primary.MacAddress ?? '',
    Networks: networksView(rec),
  };
}
