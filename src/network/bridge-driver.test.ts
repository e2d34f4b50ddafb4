/**
 * Kernel test (root): netns-only, no containers. Everything it creates has its own names (bridges brt<rand>*,
 * nft table berth_t<rand>, netns under /run/berth-test-<rand>) and is removed in t.after, even on failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, rootLogger } from '../lib/index.ts';
import { BridgeDriver } from './bridge-driver.ts';
import { cleanupAll } from './cleanup.ts';
import { DnsServer } from './dns-server.ts';
import { execInNetns } from './netns.ts';
import type { NetworkSpec } from './types.ts';

const skip = process.getuid?.() !== 0 ? 'needs root' : undefined;

async function sh(netns: string, argv: string[]): Promise<{ code: number; out: string }> {
  const r = await execInNetns(netns, argv, { allowFailure: true });
  return { code: r.code, out: r.stdout + r.stderr };
}

const ping = (ns: string, ip: string) => sh(ns, ['busybox', 'ping', '-c', '1', '-W', '1', ip]);
const wget = (ns: string, url: string) => sh(ns, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', url]); // busybox 1.35 wget -T segfaults

async function hostAddress(): Promise<string | undefined> {
  const links = JSON.parse((await execFile('ip', ['-j', '-4', 'addr', 'show', 'scope', 'global'])).stdout) as
    { ifname: string; addr_info: { local: string }[] }[];
  return links.find((l) => !l.ifname.startsWith('brt') && !l.ifname.startsWith('berth'))?.addr_info[0]?.local;
}

async function httpGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return res.text();
}

test('bridge driver: connectivity, isolation, internal, NAT, published ports, DNS', { skip, timeout: 60_000 }, async (t) => {
  const rand = randomBytes(3).toString('hex');
  const x = 10 + (parseInt(rand, 16) % 60) * 4;         // 10.213.<x..x+3>.0
  const netnsDir = `/run/berth-test-${rand}/netns`;
  const stateDir = await mkdtemp(join(tmpdir(), 'berth-net-'));
  const nftTable = `berth_t${rand}`;
  const children: ChildProcess[] = [];
  const origForward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
  let dns: DnsServer | undefined;
  t.after(async () => {
    for (const c of children) if (c.pid) try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
    await dns?.closeAll();
    await cleanupAll({ netnsDir, stateDir, nftTable, devices: (n) => n.startsWith(`brt${rand}`) });
    for (const v of veths) await execFile('ip', ['link', 'del', v], { allowFailure: true });
    await rm(`/run/berth-test-${rand}`, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
    await writeFile('/proc/sys/net/ipv4/ip_forward', origForward);
  });
  const veths: string[] = [];
  const drv = new BridgeDriver({ stateDir, netnsDir, nftTable, log: rootLogger.child({ test: 'network' }) });
  const net = (suffix: string, third: number, internal = false): NetworkSpec => ({
    id: `n${suffix}${rand}`, name: `net${suffix}`, bridge: `brt${rand}${suffix}`, subnet: `10.213.${third}.0/24`,
    gateway: `10.213.${third}.1`, internal, mtu: 1400,
  });
  const A = net('a', x), B = net('b', x + 1), I = net('i', x + 2, true);
  for (const n of [A, B, I]) await drv.ensureNetwork(n);
  await drv.ensureNetwork(A);                             // idempotent
  assert.equal((await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim(), '1');

  const ip = (n: NetworkSpec, last: number) => n.subnet.replace(/0\/24$/, String(last));
  const plug = async (name: string, n: NetworkSpec, last: number) => {
    const ns = await drv.createNetns(`c${name}${rand}`);
    const ep = await drv.connect(ns, n, { ifname: 'eth0', ip: ip(n, last), containerId: name });
    veths.push(ep.hostVeth);
    return { ns, ip: ip(n, last), ...ep };
  };
  const a1 = await plug('a1', A, 2), a2 = await plug('a2', A, 3), b1 = await plug('b1', B, 2), i1 = await plug('i1', I, 2);
  assert.equal(a1.mac, `02:42:0a:d5:${x.toString(16).padStart(2, '0')}:02`);
  assert.equal(await drv.createNetns(`ca1${rand}`), a1.ns);   // idempotent

  // An "outside world" netns reached through a routed veth of its own; it has no route back to the
  // container subnets, so only masqueraded traffic gets answers.
  const out = await drv.createNetns(`out${rand}`);
  const outHost = `brt${rand}o`;
  await execFile('ip', ['link', 'add', outHost, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', out]);
  await execFile('ip', ['addr', 'add', `10.213.${x + 3}.1/30`, 'dev', outHost]);
  await execFile('ip', ['link', 'set', outHost, 'alias', 'berth-test', 'up']);
  await execInNetns(out, ['ip', 'addr', 'add', `10.213.${x + 3}.2/30`, 'dev', 'eth0']);
  await execInNetns(out, ['ip', 'link', 'set', 'eth0', 'up']);
  const outsideIp = `10.213.${x + 3}.2`;

  await t.test('same network: reachable', async () => {
    assert.equal((await ping(a1.ns, a2.ip)).code, 0);
  });
  await t.test('different networks: isolated', async () => {
    assert.notEqual((await ping(a1.ns, b1.ip)).code, 0);
    assert.notEqual((await ping(b1.ns, a1.ip)).code, 0);
  });
  await t.test('outbound traffic is masqueraded', async () => {
    assert.equal((await ping(a1.ns, outsideIp)).code, 0);
    assert.equal((await ping(b1.ns, outsideIp)).code, 0);
  });
  await t.test('internal network: no default route, no way out, gateway reachable', async () => {
    assert.equal((await sh(i1.ns, ['ip', 'route', 'show', 'default'])).out.trim(), '');
    assert.equal((await ping(i1.ns, I.gateway)).code, 0);
    assert.notEqual((await ping(i1.ns, outsideIp)).code, 0);
    // Even with a route added by hand, forwarding drops it.
    await sh(i1.ns, ['ip', 'route', 'add', 'default', 'via', I.gateway]);
    assert.notEqual((await ping(i1.ns, outsideIp)).code, 0);
    assert.notEqual((await ping(i1.ns, a1.ip)).code, 0);
  });

  const www = `/run/berth-test-${rand}/www`;
  await mkdir(www, { recursive: true });
  await writeFile(join(www, 'index.html'), 'hello from a2\n');
  const httpd = spawn('nsenter', [`--net=${a2.ns}`, 'busybox', 'httpd', '-f', '-p', '80', '-h', www], { stdio: 'ignore' });
  children.push(httpd);
  await new Promise((r) => setTimeout(r, 200));
  const hostIp = await hostAddress();

  let random = 0;
  await t.test('published port: loopback, host address, other networks, hairpin, outside', async () => {
    const [b] = await drv.publish([{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 0 }], { ip: a2.ip, containerId: 'a2' });
    assert.equal(b!.hostIp, '0.0.0.0');
    assert.ok(b!.hostPort >= 1024);
    random = b!.hostPort;
    assert.equal(await httpGet(`http://127.0.0.1:${random}/`), 'hello from a2\n');
    if (hostIp) {
      assert.equal(await httpGet(`http://${hostIp}:${random}/`), 'hello from a2\n');
      assert.equal((await wget(b1.ns, `http://${hostIp}:${random}/`)).out, 'hello from a2\n', 'from another network');
      assert.equal((await wget(a1.ns, `http://${hostIp}:${random}/`)).out, 'hello from a2\n', 'from the same network');
      assert.equal((await wget(a2.ns, `http://${hostIp}:${random}/`)).out, 'hello from a2\n', 'from itself');
    }
    // From the outside netns to the host's address on its link.
    assert.equal((await wget(out, `http://10.213.${x + 3}.1:${random}/`)).out, 'hello from a2\n', 'from outside');
    assert.deepEqual(await drv.published('a2'), [{ containerPort: 80, proto: 'tcp', hostIp: '0.0.0.0', hostPort: random }]);
  });

  await t.test('port conflicts fail cleanly', async () => {
    await assert.rejects(drv.publish([{ containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPort: random }], { ip: a1.ip, containerId: 'a1' }),
      { message: `Bind for 127.0.0.1:${random} failed: port is already allocated` });
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '0.0.0.0', r));
    t.after(() => busy.close());
    const busyPort = (busy.address() as { port: number }).port;
    await assert.rejects(drv.publish([
      { containerPort: 81, proto: 'udp', hostIp: '', hostPort: 0 },
      { containerPort: 80, proto: 'tcp', hostIp: '', hostPort: busyPort },
    ], { ip: a1.ip, containerId: 'a1' }), { message: `failed to bind host port for 0.0.0.0:${busyPort}:${a1.ip}:80/tcp: address already in use` });
    assert.deepEqual(await drv.published('a1'), []);
    const map = (await execFile('nft', ['list', 'map', 'ip', nftTable, 'ports'])).stdout;
    assert.ok(!map.includes(a1.ip), map);               // nothing half set up
    // The same port on UDP is a different binding.
    const [u] = await drv.publish([{ containerPort: 53, proto: 'udp', hostIp: '127.0.0.1', hostPort: random }], { ip: a1.ip, containerId: 'a1' });
    assert.equal(u!.hostPort, random);
    await drv.unpublish('a1');
  });

  await t.test('unpublish releases the port', async () => {
    await drv.unpublish('a2');
    await drv.unpublish('a2');                           // idempotent
    await assert.rejects(httpGet(`http://127.0.0.1:${random}/`));
    const [again] = await drv.publish([{ containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPort: random }], { ip: a2.ip, containerId: 'a2' });
    assert.equal(again!.hostPort, random);
    assert.equal(await httpGet(`http://127.0.0.1:${random}/`), 'hello from a2\n');
    // A new driver (daemon restart) still knows the port is taken, and can release it.
    const drv2 = new BridgeDriver({ stateDir, netnsDir, nftTable, log: rootLogger });
    await assert.rejects(drv2.publish([{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: random }], { ip: a1.ip, containerId: 'a1' }), /already allocated/);
    await drv2.unpublish('a2');
    await assert.rejects(httpGet(`http://127.0.0.1:${random}/`));
  });

  await t.test('embedded DNS on the gateway: local names and forwarding', async () => {
    const { createSocket } = await import('node:dgram');
    const dnsPacket = await import('dns-packet');
    const up = createSocket('udp4');
    up.on('message', (m, r) => {
      const q = dnsPacket.decode(m);
      up.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions,
        answers: q.questions![0]!.type === 'A' ? [{ type: 'A', name: q.questions![0]!.name, ttl: 5, class: 'IN', data: '192.0.2.77' }] : [] }), r.port, r.address);
    });
    await new Promise<void>((r) => up.bind(0, '127.0.0.1', r));
    t.after(() => up.close());
    dns = new DnsServer({ upstream: [`127.0.0.1:${up.address().port}`], resolve: (n, name) => (n === A.name && name === 'web' ? [a2.ip] : []) });
    await dns.listen(A.name, A.gateway);
    const local = await sh(a1.ns, ['busybox', 'nslookup', 'web', A.gateway]);
    assert.match(local.out, new RegExp(`Address: ${a2.ip.replaceAll('.', '\\.')}`), local.out);
    const fwd = await sh(a1.ns, ['busybox', 'nslookup', 'deb.example', A.gateway]);
    assert.match(fwd.out, /Address: 192\.0\.2\.77/, fwd.out);
    const scoped = await sh(a1.ns, ['busybox', 'nslookup', `web.${A.name}`, A.gateway]);
    assert.match(scoped.out, new RegExp(a2.ip.replaceAll('.', '\\.')), scoped.out);
  });

  await t.test('enable_icc=false: members cannot talk, the gateway still answers', async () => {
    const C = { ...net('c', x + 4), enableIcc: false };   // 10.213.<x+4>.0 is free: x steps by 4, tests differ by rand
    await drv.ensureNetwork(C);
    const c1 = await plug('c1', C, 2), c2 = await plug('c2', C, 3);
    assert.notEqual((await ping(c1.ns, c2.ip)).code, 0);
    assert.equal((await ping(c1.ns, C.gateway)).code, 0);
    await drv.disconnect(c1.ns, C, { ifname: 'eth0', hostVeth: c1.hostVeth });
    const noIcc = (await execFile('nft', ['list', 'set', 'bridge', nftTable, 'no_icc'])).stdout;
    assert.ok(!noIcc.includes(c1.hostVeth) && noIcc.includes(c2.hostVeth), noIcc);
  });

  await t.test('disconnect and removal are idempotent', async () => {
    await drv.disconnect(b1.ns, B, { ifname: 'eth0', hostVeth: b1.hostVeth });
    await drv.disconnect(b1.ns, B, { ifname: 'eth0', hostVeth: b1.hostVeth });
    assert.equal((await execFile('ip', ['link', 'show', b1.hostVeth], { allowFailure: true })).code, 1);
    await drv.deleteNetns(b1.ns);
    await drv.deleteNetns(b1.ns);
    await drv.removeNetwork(B);
    await drv.removeNetwork(B);
    assert.equal((await execFile('ip', ['link', 'show', B.bridge], { allowFailure: true })).code, 1);
    const sets = (await execFile('nft', ['list', 'set', 'ip', nftTable, 'bridges'])).stdout;
    assert.ok(!sets.includes(B.bridge) && sets.includes(A.bridge), sets);
  });
});
