/**
 * The embedded DNS server of user-defined networks: one UDP and one TCP listener on each network's gateway
 * address, port 53, in the host's network namespace (so the host's own resolvers, even 127.0.0.53, work as
 * upstreams). Names the daemon knows (container names, aliases, ids, hostnames; also "<name>.<network>")
 * get A answers, AAAA queries for them get an empty NOERROR, PTR queries for container addresses get
 * names when a reverse lookup is given, and everything else is relayed byte for byte to the upstream
 * resolvers. The default bridge gets no DNS server, as in Docker.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { conflict, type Logger } from '../lib/index.ts';

/** `client` is the querying address, so a container can be answered for every network it is on. */
type Lookup = (network: string, key: string, client: string) => string[] | Promise<string[]>;

export interface DnsServerOptions {
  /** IPv4 addresses for a name on a network; [] when unknown. */
  resolve: Lookup;
  /** Names for an IPv4 address on a network (PTR); optional. */
  reverse?: Lookup;
  /** Host resolvers, "ip" or "ip:port" (from the host's /etc/resolv.conf). */
  upstream: string[];
  /** Per-client upstreams (a container's --dns), by network and the querying container's address. */
  upstreamFor?: (network: string, clientIp: string) => string[] | undefined;
  log?: Logger;
  /** Listening port; 53 unless a test says otherwise. */
  port?: number;
  forwardTimeoutMs?: number;
}

interface Listener { udp: Socket; tcp: Server; forward: boolean; conns: Set<TcpSocket> }

const TTL = 600;
const RCODE_SERVFAIL = 2;

export class DnsServer {
  private readonly o: DnsServerOptions;
  private readonly listeners = new Map<string, Listener>();

  constructor(o: DnsServerOptions) {
    this.o = o;
  }

  /**
   * Starts answering for `networkName` on gatewayIp:53 (the bridge must carry that address already).
   * `forward: false` (internal networks) answers only local names.
   */
  async listen(networkName: string, gatewayIp: string, o: { forward?: boolean } = {}): Promise<void> {
    if (this.listeners.has(networkName)) return;
    const port = this.o.port ?? 53;
    const udp = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: gatewayIp, port, exclusive: true }, () => { udp.off('error', reject); resolve(); });
    }).catch((err: Error) => { udp.close(); throw conflict(`dns: cannot listen on ${gatewayIp}:${port}/udp: ${err.message}`, { cause: err }); });
    const l: Listener = { udp, tcp: createServer(), forward: o.forward ?? true, conns: new Set() };
    udp.on('error', (err) => this.o.log?.warn('dns udp socket error', { network: networkName, err }));
    udp.on('message', (msg, rinfo) => {
      this.answer(networkName, l, msg, 'udp', rinfo.address).then(
        (reply) => { if (reply) udp.send(reply, rinfo.port, rinfo.address); },
        (err: unknown) => this.o.log?.warn('dns query failed', { network: networkName, err }),
      );
    });
    l.tcp.on('connection', (sock) => this.serveTcp(networkName, l, sock));
    try {
      await new Promise<void>((resolve, reject) => {
        l.tcp.once('error', reject);
        l.tcp.listen({ host: gatewayIp, port, exclusive: true }, () => { l.tcp.off('error', reject); resolve(); });
      });
    } catch (err) {
      udp.close();
      throw conflict(`dns: cannot listen on ${gatewayIp}:${port}/tcp: ${(err as Error).message}`, { cause: err });
    }
    this.listeners.set(networkName, l);
  }

  async close(networkName: string): Promise<void> {
    const l = this.listeners.get(networkName);
    if (!l) return;
    this.listeners.delete(networkName);
    for (const c of l.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => l.udp.close(() => r())),
      new Promise<void>((r) => l.tcp.close(() => r())),
    ]);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((n) => this.close(n)));
  }

  private serveTcp(network: string, l: Listener, sock: TcpSocket): void {
    l.conns.add(sock);
    sock.on('close', () => l.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(10_000, () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        this.answer(network, l, Buffer.from(msg), 'tcp', sock.remoteAddress ?? '').then(
          (reply) => { if (reply && !sock.destroyed) sock.write(frame(reply)); },
          () => sock.destroy(),
        );
      }
    });
  }

  /** The reply bytes for one query, or undefined to stay silent (unparseable input). */
  private async answer(network: string, l: Listener, msg: Buffer, transport: 'udp' | 'tcp', client: string): Promise<Buffer | undefined> {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    const q = query.questions?.[0];
    if (q && (q.class ?? 'IN') === 'IN') {
      const local = await this.lookupLocal(network, q, client.replace(/^::ffff:/, ''));
      if (local) return reply(query, local);
    }
    if (!l.forward) return reply(query, { answers: [], rcode: RCODE_SERVFAIL });
    const servers = this.o.upstreamFor?.(network, client.replace(/^::ffff:/, '')) ?? this.o.upstream;
    const upstream = await this.forward(msg, transport, servers);
    return upstream ?? reply(query, { answers: [], rcode: RCODE_SERVFAIL });
  }

  private async lookupLocal(network: string, q: dnsPacket.Question, client: string): Promise<{ answers: dnsPacket.Answer[]; rcode: number } | undefined> {
    const name = q.name.replace(/\.$/, '');
    if (q.type === 'PTR') {
      const ip = ptrToIp(name);
      const names = ip && this.o.reverse ? await this.o.reverse(network, ip, client) : [];
      if (names.length === 0) return undefined;
      return { answers: names.map((n) => ({ type: 'PTR', name: q.name, ttl: TTL, class: 'IN', data: n })), rcode: 0 };
    }
    if (q.type !== 'A' && q.type !== 'AAAA') return undefined;
    let ips = await this.o.resolve(network, name, client);
    const suffix = `.${network}`;
    if (ips.length === 0 && name.toLowerCase().endsWith(suffix.toLowerCase())) {
      ips = await this.o.resolve(network, name.slice(0, -suffix.length), client);
    }
    if (ips.length === 0) return undefined;
    if (q.type === 'AAAA') return { answers: [], rcode: 0 };   // known name, IPv4 only: NODATA, not NXDOMAIN
    return { answers: shuffle(ips).map((ip) => ({ type: 'A', name: q.name, ttl: TTL, class: 'IN', data: ip })), rcode: 0 };
  }

  /** Relays the query to each upstream in turn; the first answer wins. */
  private async forward(msg: Buffer, transport: 'udp' | 'tcp', servers: readonly string[]): Promise<Buffer | undefined> {
    const timeout = this.o.forwardTimeoutMs ?? 2000;
    for (const server of servers) {
      const [host, portStr] = splitHostPort(server);
      const port = portStr ? Number(portStr) : 53;
      try {
        return transport === 'udp' ? await forwardUdp(msg, host, port, timeout) : await forwardTcp(msg, host, port, timeout);
      } catch (err) {
        this.o.log?.debug('dns upstream failed', { server, err });
      }
    }
    return undefined;
  }
}

function reply(query: dnsPacket.DecodedPacket, r: { answers: dnsPacket.Answer[]; rcode: number }): Buffer {
  const rd = query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  return dnsPacket.encode({
    type: 'response', id: query.id, questions: query.questions, answers: r.answers,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | rd | r.rcode,
  });
}

function forwardUdp(msg: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    const timer = setTimeout(() => { sock.close(); reject(new Error('timeout')); }, timeoutMs);
    sock.on('error', (err) => { clearTimeout(timer); sock.close(); reject(err); });
    sock.on('message', (res) => {
      if (res.length < 2 || res.readUInt16BE(0) !== msg.readUInt16BE(0)) return;   // not our answer
      clearTimeout(timer);
      sock.close();
      resolve(res);
    });
    sock.send(msg, port, host);
  });
}

function forwardTcp(msg: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host, port });
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error('timeout')));
    let buf = Buffer.alloc(0);
    sock.on('connect', () => sock.write(frame(msg)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        resolve(Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        sock.destroy();
      }
    });
    sock.on('error', reject);
    sock.on('close', () => reject(new Error('connection closed')));
  });
}

function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

function splitHostPort(s: string): [string, string | undefined] {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  return m ? [m[1]!, m[2]] : [s, undefined];
}

function ptrToIp(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/i.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}

function shuffle<T>(a: T[]): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
