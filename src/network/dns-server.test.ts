import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { DnsServer } from './dns-server.ts';

const data = (p: dnsPacket.Packet) => (p.answers ?? []).map((a) => (a as { data: unknown }).data);
const rcode = (p: dnsPacket.Packet) => (p as { rcode?: string }).rcode;

/** A fake upstream resolver on loopback: answers every A query with 192.0.2.123. */
async function fakeUpstream(): Promise<{ port: number; close(): void }> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, r) => {
    const q = dnsPacket.decode(msg);
    sock.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions,
      answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 5, class: 'IN', data: '192.0.2.123' }] }), r.port, r.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, close: () => sock.close() };
}

function queryUdp(port: number, name: string, type: 'A' | 'AAAA' | 'PTR' = 'A'): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('message', (m) => { s.close(); resolve(dnsPacket.decode(m)); });
    s.on('error', reject);
    s.send(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] }), port, '127.0.0.1');
  });
}

function queryTcp(port: number, name: string): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type: 'A', name, class: 'IN' }] })));
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { s.destroy(); resolve(dnsPacket.streamDecode(buf) as dnsPacket.DecodedPacket); }
    });
    s.on('error', reject);
  });
}

test('dns: local names, <name>.<network>, AAAA nodata, PTR, forwarding over udp and tcp, internal', async (t) => {
  const up = await fakeUpstream();
  t.after(() => up.close());
  const port = 20000 + Math.floor(Math.random() * 20000);
  const names: Record<string, string[]> = { web: ['10.213.0.2'], db: ['10.213.0.3', '10.213.0.4'] };
  const dns = new DnsServer({
    port, upstream: ['127.0.0.1:1', `127.0.0.1:${up.port}`], forwardTimeoutMs: 300,
    resolve: (net, name) => (net === 'mynet' ? names[name] ?? [] : []),
    reverse: (_net, ip) => (ip === '10.213.0.2' ? ['web.mynet'] : []),
  });
  await dns.listen('mynet', '127.0.0.1');
  t.after(() => dns.closeAll());

  const a = await queryUdp(port, 'web');
  assert.equal(a.id, 4242);
  assert.equal(rcode(a), 'NOERROR');
  assert.deepEqual(data(a), ['10.213.0.2']);
  assert.deepEqual(data(await queryUdp(port, 'db.mynet')).sort(), ['10.213.0.3', '10.213.0.4']);
  const aaaa = await queryUdp(port, 'web', 'AAAA');
  assert.equal(rcode(aaaa), 'NOERROR');
  assert.equal(aaaa.answers!.length, 0);
  assert.deepEqual(data(await queryUdp(port, '2.0.213.10.in-addr.arpa', 'PTR')), ['web.mynet']);
  // Unknown: the first upstream is dead, the second answers.
  assert.deepEqual(data(await queryUdp(port, 'deb.example')), ['192.0.2.123']);
  assert.deepEqual(data(await queryTcp(port, 'web')), ['10.213.0.2']);

  // Only one listener per network; another network on another address with forwarding off.
  await dns.listen('mynet', '127.0.0.1');
  await dns.listen('internalnet', '127.0.0.2', { forward: false });
  const s = await new Promise<dnsPacket.DecodedPacket>((resolve) => {
    const c = createSocket('udp4');
    c.on('message', (m) => { c.close(); resolve(dnsPacket.decode(m)); });
    c.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'deb.example', class: 'IN' }] }), port, '127.0.0.2');
  });
  assert.equal(rcode(s), 'SERVFAIL');
  await dns.close('internalnet');
  // A client with its own --dns servers: the dead one only, so the query fails.
  const picky = new DnsServer({ port: port + 1, upstream: [`127.0.0.1:${up.port}`], forwardTimeoutMs: 200, resolve: () => [],
    upstreamFor: (_n, ip) => (ip === '127.0.0.1' ? ['127.0.0.1:1'] : undefined) });
  await picky.listen('n', '127.0.0.1');
  t.after(() => picky.closeAll());
  assert.equal(rcode(await queryUdp(port + 1, 'deb.example')), 'SERVFAIL');
  await assert.rejects(new DnsServer({ port, upstream: [], resolve: () => [] }).listen('x', '127.0.0.1'), /cannot listen/);
});
