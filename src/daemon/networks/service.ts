/**
 * Networks as Docker has them: the predefined bridge/host/none, user-defined bridge networks with IPAM and
 * embedded DNS, and container endpoints (netns, veths, addresses, published ports). The network module does
 * the kernel work; this service owns the records and decides.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, forbidden, invalidArgument, notFound, rfc3339Nano, untilToMs, type Logger } from '../../lib/index.ts';
import {
  allocateSubnet, type AddressPool, type BridgeDriver, type DnsServer, type Ipam, type NetworkSpec, type PortBinding,
} from '../../network/index.ts';
import type { EndpointSettings, HostConfig } from '../../api/types/index.ts';
import type { ContainerRecord, PublishedPort } from '../containers/record.ts';
import { NetworkStore, PREDEFINED, type NetworkRecord } from './record.ts';

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null; Options?: Record<string, string> | null };
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  CheckDuplicate?: boolean;
}

export interface NetworkServiceOptions {
  dataRoot: string;
  driver: BridgeDriver;
  ipam: Ipam;
  dns: DnsServer;
  log: Logger;
  emit: (action: string, id: string, attrs: Record<string, string>) => void;
  /** Containers, for DNS answers and "active endpoints" checks. */
  containers: () => ContainerRecord[];
  defaultBridge: { name: string; cidr?: string };
  pools: AddressPool[];
  /** Where the driver keeps netns files (<netnsDir>/<containerId>), for clean-up after a crash. */
  netnsDir: string;
}

const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

export class NetworkService {
  readonly store: NetworkStore;
  private readonly o: NetworkServiceOptions;

  private constructor(o: NetworkServiceOptions) {
    this.o = o;
    this.store = new NetworkStore(o.dataRoot);
  }

  static async open(o: NetworkServiceOptions): Promise<NetworkService> {
    const s = new NetworkService(o);
    await s.store.load();
    await s.ensurePredefined();
    for (const n of s.store.all()) {
      if (n.Driver !== 'bridge') continue;
      await o.ipam.createPool(n.Id, { subnet: n.IPAM.Config[0].Subnet, gateway: n.IPAM.Config[0].Gateway, ipRange: n.IPAM.Config[0].IPRange });
      await o.driver.ensureNetwork(specOf(n));
      if (n.Name !== 'bridge') await s.listenDns(n);
    }
    return s;
  }

  private async ensurePredefined(): Promise<void> {
    const have = new Set(this.store.all().map((n) => n.Name));
    for (const name of PREDEFINED) {
      if (have.has(name)) continue;
      if (name === 'bridge') {
        const cfg = this.o.defaultBridge.cidr
          ? bipConfig(this.o.defaultBridge.cidr)
          : await allocateSubnet(this.o.pools, this.usedSubnets());
        await this.store.save(newRecord({ Name: 'bridge', Driver: 'bridge' }, {
          Subnet: cfg.subnet, Gateway: cfg.gateway,
          options: {
            'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true',
            'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
            [BRIDGE_NAME_OPTION]: this.o.defaultBridge.name, 'com.docker.network.driver.mtu': '1500',
          },
          bridge: this.o.defaultBridge.name,
        }));
      } else {
        await this.store.save(newRecord({ Name: name, Driver: name === 'host' ? 'host' : 'null' }, {}));
      }
    }
  }

  private usedSubnets(): string[] {
    return this.store.all().flatMap((n) => n.IPAM.Config.map((c) => c.Subnet));
  }

  private async listenDns(n: NetworkRecord): Promise<void> {
    await this.o.dns.listen(n.Name, n.IPAM.Config[0].Gateway, { forward: !n.Internal }).catch((err) => {
      this.o.log.warn('embedded DNS not available on network', { network: n.Name, err });
    });
  }

  // -------------------------------------------------------------------------------------------- API

  async create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    if (!req?.Name) throw invalidArgument('network name must not be empty');
    if ((PREDEFINED as readonly string[]).includes(req.Name)) throw forbidden(`operation is not permitted on predefined ${req.Name} network `);
    if (this.store.all().some((n) => n.Name === req.Name)) throw conflict(`network with name ${req.Name} already exists`);
    const driver = req.Driver || 'bridge';
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    const ipamCfg = req.IPAM?.Config?.[0];
    let subnet = ipamCfg?.Subnet;
    let gateway = ipamCfg?.Gateway;
    if (!subnet) {
      if (gateway) throw invalidArgument('invalid pool request: gateway specified without a subnet');
      const picked = await allocateSubnet(this.o.pools, this.usedSubnets());
      subnet = picked.subnet;
      gateway = picked.gateway;
    } else {
      if (this.usedSubnets().some((s) => overlaps(s, subnet!))) throw forbidden(`Pool overlaps with other one on this address space`);
    }
    const id = randomBytes(32).toString('hex');
    const options = { ...(req.Options ?? {}) };
    const bridge = options[BRIDGE_NAME_OPTION] || `br-${id.slice(0, 12)}`;
    const rec = newRecord({ Name: req.Name, Driver: 'bridge', Id: id, Internal: !!req.Internal, Attachable: !!req.Attachable, Labels: req.Labels ?? {} }, {
      Subnet: subnet, Gateway: gateway, IPRange: ipamCfg?.IPRange, options, bridge, ipamOptions: req.IPAM?.Options ?? {},
    });
    const pool = await this.o.ipam.createPool(id, { subnet, gateway, ipRange: ipamCfg?.IPRange });
    rec.IPAM.Config[0].Gateway = pool.gateway;
    // The record goes first: after a crash at any point, start-up finds it and makes the kernel match
    // (ensureNetwork), or `network rm` removes both; a bridge never exists without its record.
    try {
      await this.store.save(rec);
      await this.o.driver.ensureNetwork(specOf(rec));
    } catch (err) {
      await this.o.driver.removeNetwork(specOf(rec)).catch(() => undefined);
      await this.store.delete(id).catch(() => undefined);
      await this.o.ipam.removePool(id).catch(() => undefined);
      throw err;
    }
    await this.listenDns(rec);
    this.o.emit('create', id, { name: rec.Name, type: 'bridge' });
    return { Id: id, Warning: '' };
  }

  async remove(ref: string): Promise<void> {
    const n = this.store.get(ref);
    if ((PREDEFINED as readonly string[]).includes(n.Name)) throw forbidden(`${n.Name} is a pre-defined network and cannot be removed`);
    const users = this.o.containers().filter((c) => n.Name in c.endpoints && (c.state.Status === 'running' || c.state.Status === 'paused' || c.state.Status === 'created'));
    if (users.length) throw forbidden(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    await this.o.dns.close(n.Name);
    await this.o.driver.removeNetwork(specOf(n));
    await this.o.ipam.removePool(n.Id);
    await this.store.delete(n.Id);
    this.o.emit('destroy', n.Id, { name: n.Name, type: n.Driver });
  }

  list(filters: Map<string, string[]>): unknown[] {
    for (const k of filters.keys()) if (!['name', 'id', 'driver', 'label', 'type', 'scope', 'dangling'].includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    const any = (key: string, pred: (v: string) => boolean) => {
      const vs = filters.get(key);
      return !vs || vs.length === 0 || vs.some(pred);
    };
    return this.store.all().filter((n) =>
      any('name', (v) => n.Name.includes(v)) &&
      any('id', (v) => n.Id.startsWith(v)) &&
      any('driver', (v) => v === n.Driver) &&
      any('scope', (v) => v === 'local') &&
      any('type', (v) => (v === 'builtin') === (PREDEFINED as readonly string[]).includes(n.Name)) &&
      (filters.get('label') ?? []).every((l) => labelMatch(n.Labels, l)) &&
      any('dangling', (v) => (v === 'true' || v === '1') === (this.endpointsOf(n).length === 0 && !(PREDEFINED as readonly string[]).includes(n.Name))),
    ).map((n) => this.view(n));
  }

  inspect(ref: string): unknown {
    return this.view(this.store.get(ref));
  }

  async prune(filters: Map<string, string[]>): Promise<{ NetworksDeleted: string[] | null }> {
    for (const k of filters.keys()) if (!['until', 'label', 'label!'].includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    const until = filters.get('until')?.[0];
    const untilMs = until ? untilToMs(until) : undefined;
    const deleted: string[] = [];
    for (const n of this.store.all()) {
      if ((PREDEFINED as readonly string[]).includes(n.Name)) continue;
      if (this.o.containers().some((c) => n.Name in c.endpoints)) continue;
      if (untilMs !== undefined && Date.parse(n.Created) >= untilMs) continue;
      if (!(filters.get('label') ?? []).every((l) => labelMatch(n.Labels, l))) continue;
      if ((filters.get('label!') ?? []).some((l) => labelMatch(n.Labels, l))) continue;
      await this.remove(n.Id);
      deleted.push(n.Name);
    }
    return { NetworksDeleted: deleted.length ? deleted : null };
  }

  private endpointsOf(n: NetworkRecord): ContainerRecord[] {
    return this.o.containers().filter((c) => n.Name in c.endpoints && c.endpoints[n.Name].IPAddress);
  }

  private view(n: NetworkRecord): Record<string, unknown> {
    const { schema: _s, bridge: _b, ...wire } = n;
    const containers: Record<string, unknown> = {};
    for (const c of this.endpointsOf(n)) {
      const ep = c.endpoints[n.Name];
      containers[c.id] = {
        Name: c.name, EndpointID: ep.EndpointID ?? '', MacAddress: ep.MacAddress ?? '',
        IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen}` : '', IPv6Address: '',
      };
    }
    return { ...wire, Containers: containers };
  }

  // -------------------------------------------------------------------------------------------- containers

  /** Validates the networks a container is created on (404 for an unknown one) and returns its endpoint map. */
  endpointsForCreate(mode: string, configs: Record<string, EndpointSettings> | null | undefined): Record<string, EndpointSettings> {
    const primary = mode === 'default' ? 'bridge' : mode;
    if (primary.startsWith('container:')) return {};
    const out: Record<string, EndpointSettings> = {};
    // The CLI keys the endpoint of the default network as "default".
    const canonical = (k: string) => (k === 'default' ? 'bridge' : k);
    const byName = new Map(Object.entries(configs ?? {}).map(([k, v]) => [canonical(k), v]));
    const names = [primary, ...[...byName.keys()].filter((k) => k !== primary)];
    for (const name of names) {
      const n = this.store.get(name);
      const cfg = byName.get(name) ?? byName.get(n.Id) ?? {};
      if (cfg.Aliases?.length && n.Name === 'bridge') throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
      if (cfg.IPAMConfig && n.Name === 'bridge' && (cfg.IPAMConfig as { IPv4Address?: string }).IPv4Address) {
        throw invalidArgument('user specified IP address is supported on user defined networks only');
      }
      out[n.Name] = { Aliases: cfg.Aliases ?? null, IPAMConfig: cfg.IPAMConfig ?? null, NetworkID: n.Id, DriverOpts: cfg.DriverOpts ?? null };
    }
    return out;
  }

  /** Whether a container on these endpoints needs its own network namespace (bridge networks). */
  needsNetns(rec: ContainerRecord): boolean {
    return Object.keys(rec.endpoints).some((name) => this.store.find(name)?.Driver === 'bridge');
  }

  /**
   * Gives a container its network: a netns, one veth per bridge network (eth0, eth1...), addresses from IPAM,
   * and its published ports. All or nothing: a failure undoes every step.
   */
  async attach(rec: ContainerRecord): Promise<{ netnsPath: string; ports: PublishedPort[] }> {
    const netnsPath = await this.o.driver.createNetns(rec.id);
    const allocated: { netId: string; ip: string }[] = [];
    try {
      let i = 0;
      let firstIp = '';
      for (const [name, ep] of Object.entries(rec.endpoints)) {
        const n = this.store.get(name);
        if (n.Driver !== 'bridge') continue;
        const preferred = (ep.IPAMConfig as { IPv4Address?: string } | null)?.IPv4Address || undefined;
        const ip = await this.o.ipam.allocate(n.Id, { preferred, owner: rec.id });
        allocated.push({ netId: n.Id, ip });
        const { mac } = await this.o.driver.connect(netnsPath, specOf(n), { ifname: `eth${i++}`, ip, containerId: rec.id });
        const prefix = Number(n.IPAM.Config[0].Subnet.split('/')[1]);
        const isUser = n.Name !== 'bridge';
        rec.endpoints[name] = {
          ...ep, NetworkID: n.Id, EndpointID: randomBytes(32).toString('hex'), Gateway: n.IPAM.Config[0].Gateway,
          IPAddress: ip, IPPrefixLen: prefix, MacAddress: mac,
          DNSNames: isUser ? [rec.name, rec.id.slice(0, 12), ...(ep.Aliases ?? [])] : null,
        };
        firstIp ||= ip;
      }
      const bindings = portBindings(rec.hostConfig, rec.config.ExposedPorts ?? {});
      const ports = bindings.length && firstIp
        ? (await this.o.driver.publish(bindings, { ip: firstIp, containerId: rec.id })).map(toPublished)
        : [];
      return { netnsPath, ports };
    } catch (err) {
      await this.o.driver.unpublish(rec.id).catch(() => undefined);
      for (const a of allocated) await this.o.ipam.release(a.netId, a.ip).catch(() => undefined);
      await this.o.driver.deleteNetns(netnsPath).catch(() => undefined);
      for (const name of Object.keys(rec.endpoints)) rec.endpoints[name] = clearRuntime(rec.endpoints[name]);
      if (/port is already allocated|address already in use/.test((err as Error).message)) {
        throw conflict(`driver failed programming external connectivity on endpoint ${rec.name} (${rec.id.slice(0, 12)}): ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }

  /** Undoes attach: ports, addresses, the netns (which takes the veths with it). Idempotent. */
  async detach(rec: ContainerRecord): Promise<void> {
    await this.o.driver.unpublish(rec.id).catch((err) => this.o.log.warn('unpublish failed', { id: rec.id, err }));
    for (const [name, ep] of Object.entries(rec.endpoints)) {
      const n = this.store.find(name);
      if (n && ep.IPAddress) await this.o.ipam.release(n.Id, ep.IPAddress).catch(() => undefined);
      rec.endpoints[name] = clearRuntime(ep);
    }
    if (rec.netnsPath) await this.o.driver.deleteNetns(rec.netnsPath).catch((err) => this.o.log.warn('netns delete failed', { id: rec.id, err }));
  }

  /**
   * After a crash in the middle of a start the record may not know what was set up: release by container id
   * whatever exists (published ports, addresses it owns, its netns). Idempotent.
   */
  async releaseOrphaned(containerId: string): Promise<void> {
    await this.o.driver.unpublish(containerId).catch(() => undefined);
    for (const n of this.store.all()) {
      if (n.Driver !== 'bridge') continue;
      for (const a of await this.o.ipam.allocations(n.Id).catch(() => [])) {
        if (a.owner === containerId) await this.o.ipam.release(n.Id, a.ip).catch(() => undefined);
      }
    }
    await this.o.driver.deleteNetns(join(this.o.netnsDir, containerId)).catch(() => undefined);
  }

  /** Connects a running container to one more network (docker network connect). */
  async connectRunning(rec: ContainerRecord, n: NetworkRecord, cfg: EndpointSettings): Promise<EndpointSettings> {
    if (!rec.netnsPath) throw invalidArgument(`container ${rec.id} is not connected to a bridge network; cannot connect it to ${n.Name}`);
    const preferred = (cfg.IPAMConfig as { IPv4Address?: string } | null)?.IPv4Address || undefined;
    const ip = await this.o.ipam.allocate(n.Id, { preferred, owner: rec.id });
    try {
      const ifname = `eth${Object.values(rec.endpoints).filter((e) => e.IPAddress).length}`;
      const { mac } = await this.o.driver.connect(rec.netnsPath, specOf(n), { ifname, ip, containerId: rec.id });
      return {
        Aliases: cfg.Aliases ?? null, IPAMConfig: cfg.IPAMConfig ?? null, NetworkID: n.Id, EndpointID: randomBytes(32).toString('hex'),
        Gateway: n.IPAM.Config[0].Gateway, IPAddress: ip, IPPrefixLen: Number(n.IPAM.Config[0].Subnet.split('/')[1]), MacAddress: mac,
        DNSNames: [rec.name, rec.id.slice(0, 12), ...(cfg.Aliases ?? [])], ifname,
      } as EndpointSettings;
    } catch (err) {
      await this.o.ipam.release(n.Id, ip).catch(() => undefined);
      throw err;
    }
  }

  async disconnectRunning(rec: ContainerRecord, n: NetworkRecord): Promise<void> {
    const ep = rec.endpoints[n.Name] as EndpointSettings & { ifname?: string };
    if (rec.netnsPath && ep?.IPAddress) {
      const ifname = ep.ifname ?? `eth${Object.keys(rec.endpoints).indexOf(n.Name)}`;
      await this.o.driver.disconnect(rec.netnsPath, specOf(n), { ifname });
      await this.o.ipam.release(n.Id, ep.IPAddress);
    }
  }

  /** The host as containers reach it: the default bridge's gateway (Docker's `host-gateway`). */
  hostGateway(): string | undefined {
    return this.store.find('bridge')?.IPAM.Config[0]?.Gateway;
  }

  /** A container's own --dns servers, which the embedded DNS forwards to instead of the host's. */
  upstreamFor(clientIp: string): string[] | undefined {
    const c = this.o.containers().find((x) => Object.values(x.endpoints).some((e) => e.IPAddress === clientIp));
    return c?.hostConfig.Dns?.length ? c.hostConfig.Dns : undefined;
  }

  /** The resolv.conf nameserver for a container: the embedded DNS of its first user network, if any. */
  dnsServerFor(rec: ContainerRecord): string | undefined {
    for (const name of Object.keys(rec.endpoints)) {
      const n = this.store.find(name);
      if (n && n.Driver === 'bridge' && n.Name !== 'bridge') return n.IPAM.Config[0].Gateway;
    }
    return undefined;
  }

  /**
   * Embedded DNS answers: container names, aliases, short ids and hostnames on the network the query came in
   * on, then on the other user networks the asking container is connected to (as Docker's resolver does).
   */
  resolveName(network: string, name: string, client?: string): string[] {
    const q = name.toLowerCase().replace(/\.$/, '');
    const running = this.o.containers().filter((c) => c.state.Status === 'running' || c.state.Status === 'paused');
    const asker = client ? running.find((c) => Object.values(c.endpoints).some((e) => e.IPAddress === client)) : undefined;
    const nets = [network, ...Object.keys(asker?.endpoints ?? {}).filter((n) => n !== network && n !== 'bridge')];
    for (const net of nets) {
      const out: string[] = [];
      for (const c of running) {
        const ep = c.endpoints[net];
        if (!ep?.IPAddress) continue;
        const names = [c.name, c.id.slice(0, 12), c.id, c.config.Hostname ?? '', ...(ep.Aliases ?? [])].map((x) => x.toLowerCase());
        if (names.includes(q)) out.push(ep.IPAddress);
      }
      if (out.length) return out;
    }
    return [];
  }
}

// ---------------------------------------------------------------------------------------------- helpers

function newRecord(base: Partial<NetworkRecord> & { Name: string; Driver: NetworkRecord['Driver'] }, c: {
  Subnet?: string; Gateway?: string; IPRange?: string; options?: Record<string, string>; bridge?: string; ipamOptions?: Record<string, string>;
}): NetworkRecord {
  return {
    schema: 1,
    Id: base.Id ?? randomBytes(32).toString('hex'),
    Created: rfc3339Nano(),
    Scope: 'local',
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: c.ipamOptions ?? null, Config: c.Subnet ? [{ Subnet: c.Subnet, Gateway: c.Gateway!, ...(c.IPRange ? { IPRange: c.IPRange } : {}) }] : [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Options: c.options ?? {},
    Labels: {},
    ...base,
    ...(c.bridge ? { bridge: c.bridge } : {}),
  };
}

export function specOf(n: NetworkRecord): NetworkSpec {
  const cfg = n.IPAM.Config[0];
  const mtu = Number(n.Options['com.docker.network.driver.mtu'] ?? 0);
  return {
    id: n.Id, name: n.Name, bridge: n.bridge ?? `br-${n.Id.slice(0, 12)}`, subnet: cfg.Subnet, gateway: cfg.Gateway, ipRange: cfg.IPRange,
    internal: n.Internal, mtu: mtu > 0 && mtu !== 1500 ? mtu : undefined,
    enableIcc: n.Options['com.docker.network.bridge.enable_icc'] !== 'false',
    ipMasquerade: n.Options['com.docker.network.bridge.enable_ip_masquerade'] !== 'false',
  };
}

/** `--bip 172.17.0.1/16`: the gateway address with the subnet's prefix. */
function bipConfig(cidr: string): { subnet: string; gateway: string } {
  const [ip, bits] = cidr.split('/');
  const n = ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  const net = (n & mask) >>> 0;
  const dotted = [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
  return { subnet: `${dotted}/${bits}`, gateway: ip };
}

function overlaps(a: string, b: string): boolean {
  const range = (c: string) => {
    const [ip, bits] = c.split('/');
    const n = ip.split('.').reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
    const size = 2 ** (32 - Number(bits));
    const start = n - (n % size);
    return [start, start + size - 1];
  };
  const [a1, a2] = range(a);
  const [b1, b2] = range(b);
  return a1 <= b2 && b1 <= a2;
}

function labelMatch(labels: Record<string, string>, f: string): boolean {
  const eq = f.indexOf('=');
  return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
}

function clearRuntime(ep: EndpointSettings): EndpointSettings {
  return { Aliases: ep.Aliases ?? null, IPAMConfig: ep.IPAMConfig ?? null, NetworkID: ep.NetworkID, DriverOpts: ep.DriverOpts ?? null };
}

function toPublished(b: PortBinding): PublishedPort {
  return { containerPort: b.containerPort, proto: b.proto, hostIp: b.hostIp || '0.0.0.0', hostPort: b.hostPort };
}

/** HostConfig.PortBindings (and -P for every exposed port) as the driver's bindings. */
export function portBindings(hc: HostConfig, exposed: Record<string, object>): PortBinding[] {
  const out: PortBinding[] = [];
  const keys = new Set([...Object.keys(hc.PortBindings ?? {}), ...(hc.PublishAllPorts ? Object.keys(exposed) : [])]);
  for (const key of keys) {
    const [portStr, proto = 'tcp'] = key.split('/');
    const containerPort = Number(portStr);
    if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) throw invalidArgument(`invalid port: ${key}`);
    const list = hc.PortBindings?.[key] ?? [{ HostIp: '', HostPort: '' }];
    for (const b of list.length ? list : [{ HostIp: '', HostPort: '' }]) {
      const hostPort = b.HostPort ?? '';
      const [lo, hi] = hostPort.split('-').map((x) => (x === '' ? 0 : Number(x)));
      if (Number.isNaN(lo) || (hi !== undefined && Number.isNaN(hi))) throw invalidArgument(`invalid port specification: "${hostPort}"`);
      out.push({ containerPort, proto: proto as PortBinding['proto'], hostIp: b.HostIp ?? '', hostPort: lo, ...(hi ? { hostPortEnd: hi } : {}) });
    }
  }
  return out;
}

/** Host resolvers from /etc/resolv.conf, for forwarding by the embedded DNS. */
export async function hostResolvers(): Promise<string[]> {
  const text = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const ns = text.split('\n').filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  return ns.length ? ns : ['8.8.8.8'];
}

