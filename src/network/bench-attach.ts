/**
 * Micro-benchmark (root; not a test): the per-container network work the daemon does, on a test bridge.
 *   node src/network/bench-attach.ts [iterations] [parallel]
 * Times createNetns, connect, unpublish (no ports), disconnect, deleteNetns, and publish/unpublish of one port,
 * sequentially, then `parallel` attach+detach cycles at once. Everything it creates has its own names
 * (bridge brb<rand>, nft table berth_b<rand>, netns under /run/berth-bench-<rand>) and is removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootLogger } from '../lib/index.ts';
import { BridgeDriver } from './bridge-driver.ts';
import { cleanupAll } from './cleanup.ts';
import type { NetworkSpec } from './types.ts';

const iterations = Number(process.argv[2] ?? 30);
const parallel = Number(process.argv[3] ?? 20);
const rand = randomBytes(3).toString('hex');
const netnsDir = `/run/berth-bench-${rand}/netns`;
const stateDir = await mkdtemp(join(tmpdir(), 'berth-bench-'));
const nftTable = `berth_b${rand}`;
const third = 10 + (parseInt(rand, 16) % 200);
const net: NetworkSpec = {
  id: `bench${rand}`, name: 'bench', bridge: `brb${rand}`, subnet: `10.214.${third}.0/24`, gateway: `10.214.${third}.1`,
  internal: false, mtu: 1400,
};
const origForward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
const drv = new BridgeDriver({ stateDir, netnsDir, nftTable, log: rootLogger.child({ bench: 'network' }) });

const times = new Map<string, number[]>();
async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  const list = times.get(name) ?? [];
  list.push(performance.now() - t0);
  times.set(name, list);
  return r;
}
function report(): void {
  for (const [name, list] of times) {
    const s = [...list].sort((a, b) => a - b);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    console.log(`${name.padEnd(34)} n=${String(s.length).padStart(3)}  mean ${mean.toFixed(2).padStart(7)} ms  p50 ${s[Math.floor(s.length / 2)]!.toFixed(2).padStart(7)}  max ${s[s.length - 1]!.toFixed(2).padStart(7)}`);
  }
  times.clear();
}

try {
  await drv.ensureNetwork(net);
  // Warm-up (first calls load helpers and declare nftables state).
  const w = await drv.createNetns(`w${rand}`);
  await drv.connect(w, net, { ifname: 'eth0', ip: `10.214.${third}.250`, containerId: 'w' });
  await drv.deleteNetns(w);
  await drv.unpublish('w');

  for (let i = 0; i < iterations; i++) {
    const id = `c${i}${rand}`;
    const t0 = performance.now();
    const ns = await timed('createNetns', () => drv.createNetns(id));
    const ep = await timed('connect', () => drv.connect(ns, net, { ifname: 'eth0', ip: `10.214.${third}.${2 + i}`, containerId: id }));
    await timed('unpublish (nothing published)', () => drv.unpublish(id));
    await timed('deleteNetns', () => drv.deleteNetns(ns));
    times.set('attach+detach (daemon path)', [...(times.get('attach+detach (daemon path)') ?? []), performance.now() - t0]);
    void ep;
  }
  for (let i = 0; i < iterations; i++) {
    const id = `d${i}${rand}`;
    const ns = await drv.createNetns(id);
    const ep = await drv.connect(ns, net, { ifname: 'eth0', ip: `10.214.${third}.${2 + i}`, containerId: id });
    await timed('disconnect', () => drv.disconnect(ns, net, { ifname: 'eth0', hostVeth: ep.hostVeth }));
    await drv.deleteNetns(ns);
  }
  for (let i = 0; i < iterations; i++) {
    const id = `p${i}${rand}`;
    await timed('publish 1 port', () => drv.publish([{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 0 }], { ip: `10.214.${third}.2`, containerId: id }));
    await timed('unpublish 1 port', () => drv.unpublish(id));
  }
  report();

  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, async (_, i) => {
    const id = `q${i}${rand}`;
    const ns = await drv.createNetns(id);
    await drv.connect(ns, net, { ifname: 'eth0', ip: `10.214.${third}.${2 + i}`, containerId: id });
    await drv.publish([{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 0 }], { ip: `10.214.${third}.${2 + i}`, containerId: id });
    await drv.unpublish(id);
    await drv.deleteNetns(ns);
  }));
  console.log(`${parallel} parallel attach+publish+unpublish+detach: ${(performance.now() - t0).toFixed(1)} ms wall`);
} finally {
  await cleanupAll({ netnsDir, stateDir, nftTable, devices: (n) => n.startsWith(`brb${rand}`) });
  await rm(`/run/berth-bench-${rand}`, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });
  await writeFile('/proc/sys/net/ipv4/ip_forward', origForward);
  await drv.close();
}
