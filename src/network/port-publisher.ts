/**
 * Published ports: host port allocation (fixed, from a range, or ephemeral), a bind test so a port some
 * other process holds fails as it does in Docker, then DNAT map elements in the nftables table.
 *
 * On-disk layout (schema v1): <stateDir>/ports/<containerId>.json = { version: 1, ports: PortElement[] }.
 * It records what this module put in the kernel for each container, so unpublish works after a daemon
 * restart and a new publish sees every port already taken. Keep stateDir on tmpfs (/run): the kernel
 * state it mirrors does not survive a reboot either.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, errnoCode, invalidArgument, KeyedMutex, readJson, unavailable, writeJsonAtomic, type Logger } from '../lib/index.ts';
import { isIpv4 } from './ipv4.ts';
import { flushUdpConntrack } from './conntrack.ts';
import type { NftFirewall, PortElement } from './nft-firewall.ts';
import type { PortBinding, PortProto } from './types.ts';

interface PortsFile { version: 1; ports: PortElement[] }

const LOCK = 'ports';

export class PortPublisher {
  private readonly dir: string;
  private readonly log: Logger;
  private readonly nft: NftFirewall;
  private readonly lock = new KeyedMutex();
  private byContainer: Map<string, PortElement[]> | undefined;
  private nextEphemeral = 0;

  constructor(o: { stateDir: string; log: Logger; nft: NftFirewall }) {
    this.dir = join(o.stateDir, 'ports');
    this.nft = o.nft;
    this.log = o.log;
  }

  /** All or nothing: either every binding is installed and returned with its real host port, or none is. */
  async publish(ports: readonly PortBinding[], target: { ip: string; containerId: string }): Promise<PortBinding[]> {
    return this.lock.run(LOCK, async () => {
      const state = await this.load();
      await this.unpublishLocked(target.containerId);
      const taken = [...state.values()].flat();
      const added: PortElement[] = [];
      const out: PortBinding[] = [];
      for (const b of ports) {
        const hostIp = b.hostIp === '' ? '0.0.0.0' : b.hostIp;
        if (!isIpv4(hostIp)) throw invalidArgument(`invalid host IP ${b.hostIp}: only IPv4 host addresses can be published`);
        const el = await this.pickPort({ ...b, hostIp }, target.ip, [...taken, ...added]);
        added.push(el);
        out.push({ containerPort: b.containerPort, proto: b.proto, hostIp, hostPort: el.hostPort });
      }
      if (added.length === 0) return out;
      await mkdir(this.dir, { recursive: true });
      const file = this.file(target.containerId);
      await writeJsonAtomic(file, { version: 1, ports: added } satisfies PortsFile);
      try {
        await this.nft.addPorts(added);
      } catch (err) {
        await rm(file, { force: true });
        throw err;
      }
      state.set(target.containerId, added);
      this.log.debug('published ports', { container: target.containerId, ports: out });
      return out;
    });
  }

  /** Removes the container's DNAT entries. Idempotent. */
  async unpublish(containerId: string): Promise<void> {
    await this.lock.run(LOCK, async () => {
      await this.load();
      await this.unpublishLocked(containerId);
    });
  }

  /** What is currently published for the container (from the state file). */
  async published(containerId: string): Promise<PortBinding[]> {
    const state = await this.load();
    return (state.get(containerId) ?? []).map((p) => ({
      containerPort: p.targetPort, proto: p.proto as PortProto, hostIp: p.hostIp, hostPort: p.hostPort,
    }));
  }

  private async unpublishLocked(containerId: string): Promise<void> {
    const state = this.byContainer!;
    const ports = state.get(containerId) ?? (await readJson<PortsFile>(this.file(containerId)))?.ports;
    if (ports?.length) {
      await this.nft.removePorts(ports);
      await flushUdpConntrack(ports, this.log);
    }
    await rm(this.file(containerId), { force: true });
    state.delete(containerId);
  }

  private async pickPort(b: PortBinding, targetIp: string, taken: readonly PortElement[]): Promise<PortElement> {
    const el = (hostPort: number): PortElement =>
      ({ hostIp: b.hostIp, proto: b.proto, hostPort, targetIp, targetPort: b.containerPort });
    const clashes = (port: number) => taken.some((t) => t.proto === b.proto && t.hostPort === port &&
      (t.hostIp === b.hostIp || t.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0'));
    if (b.hostPort !== 0 && !b.hostPortEnd) {
      if (clashes(b.hostPort)) throw conflict(`Bind for ${b.hostIp}:${b.hostPort} failed: port is already allocated`);
      const err = await probeBind(b.proto, b.hostIp, b.hostPort);
      if (err) throw conflict(`failed to bind host port for ${b.hostIp}:${b.hostPort}:${targetIp}:${b.containerPort}/${b.proto}: ${err}`);
      return el(b.hostPort);
    }
    const [lo, hi] = b.hostPort !== 0 ? [b.hostPort, b.hostPortEnd!] : await ephemeralRange();
    const span = hi - lo + 1;
    // Ephemeral ports go round the range (as Docker's allocator) so a freed port is not reused at once.
    const start = b.hostPort === 0 && this.nextEphemeral >= lo && this.nextEphemeral <= hi ? this.nextEphemeral - lo : 0;
    for (let i = 0; i < span; i++) {
      const port = lo + ((start + i) % span);
      if (clashes(port) || await probeBind(b.proto, b.hostIp, port)) continue;
      if (b.hostPort === 0) this.nextEphemeral = port + 1;
      return el(port);
    }
    if (b.hostPort !== 0) throw conflict(`Bind for ${b.hostIp}:${b.hostPort}-${b.hostPortEnd} failed: port is already allocated`);
    throw unavailable('all ports are allocated');
  }

  private async load(): Promise<Map<string, PortElement[]>> {
    if (this.byContainer) return this.byContainer;
    const state = new Map<string, PortElement[]>();
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const f = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as PortsFile;
      state.set(name.slice(0, -5), f.ports);
    }
    this.byContainer = state;
    return state;
  }

  private file(containerId: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(containerId)) throw invalidArgument(`invalid container id: ${containerId}`);
    return join(this.dir, `${containerId}.json`);
  }
}

async function ephemeralRange(): Promise<[number, number]> {
  try {
    const [lo, hi] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // fall through to Docker's defaults
  }
  return [32768, 60999];
}

/** Tries to bind the host address and port; returns the errno text ("address already in use") or undefined. */
export async function probeBind(proto: PortProto, ip: string, port: number): Promise<string | undefined> {
  if (proto === 'sctp') return undefined;   // Node cannot open SCTP sockets; the DNAT still works
  try {
    if (proto === 'tcp') {
      const srv = createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ host: ip, port, exclusive: true }, resolve);
      });
      await new Promise((r) => srv.close(r));
    } else {
      const sock = createSocket({ type: 'udp4' });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind({ address: ip, port, exclusive: true }, resolve);
      });
      await new Promise<void>((r) => sock.close(() => r()));
    }
    return undefined;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EADDRINUSE') return 'address already in use';
    if (code === 'EADDRNOTAVAIL') return 'cannot assign requested address';
    if (code === 'EACCES') return 'permission denied';
    return (err as Error).message;
  }
}
