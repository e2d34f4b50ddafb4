/**
 * Starting and measuring the engines the benchmarks compare: Berth and Debian's dockerd 20.10, each on its own
 * temporary data root and socket, with everything they create removed afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { cleanupAll, nftTableFor } from '../src/network/index.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:http';

const REPO = resolve(import.meta.dirname, '..');
export const BENCH_RUNS = Number(process.env.BENCH_RUNS ?? 20);

export interface Engine {
  name: string;
  socket: string;
  root: string;
  proc: ChildProcess;
  /** pids whose RSS counts as "the daemon". */
  daemonPids(): Promise<number[]>;
  /** process name patterns of per-container helpers (conmon, containerd-shim). */
  helperComm: string[];
}

export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('close', (code) => res({ code: code ?? -1, out, err }));
  });
}

function ping(socket: string): Promise<boolean> {
  return new Promise((res) => {
    const r = request({ socketPath: socket, path: '/_ping' }, (x) => {
      x.resume();
      res(x.statusCode === 200);
    });
    r.on('error', () => res(false));
    r.end();
  });
}

async function waitPing(socket: string, proc: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await ping(socket)) return;
    if (proc.exitCode !== null) throw new Error(`daemon exited: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daemon did not start: ${log()}`);
}

/** Berth on its own data root, exec root, bridge name and address pool (removed by stopEngine). */
export async function startBerth(): Promise<Engine> {
  const root = await mkdtemp(join(tmpdir(), 'bench-berth-'));
  const socket = join(root, 'berth.sock');
  let log = '';
  const proc = spawn(join(REPO, 'bin/berthd'), [
    '--data-root', root, '--host', `unix://${socket}`, '--log-level', 'warn', '--exec-root', join(root, 'run'),
    '--bridge', `brb${randomBytes(3).toString('hex')}`, '--default-address-pool', 'base=10.199.0.0/16,size=24',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr!.on('data', (b) => (log += b));
  await waitPing(socket, proc, () => log);
  return { name: 'berth', socket, root, proc, daemonPids: async () => [proc.pid!], helperComm: ['conmon'] };
}

/** dockerd 20.10; with `network`, its default bridge and iptables rules (the caller restores iptables). */
export async function startDockerd(o: { network?: boolean } = {}): Promise<Engine> {
  const root = await mkdtemp(join(tmpdir(), 'bench-dockerd-'));
  const socket = join(root, 'docker.sock');
  let log = '';
  const proc = spawn('/usr/sbin/dockerd', [
    '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--pidfile', join(root, 'docker.pid'),
    '-H', `unix://${socket}`, '--containerd-namespace', 'bench',
    ...(o.network ? [] : ['--bridge', 'none', '--iptables=false', '--ip-masq=false']),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr!.on('data', (b) => (log += b));
  await waitPing(socket, proc, () => log.slice(-2000));
  return {
    name: 'dockerd', socket, root, proc,
    // dockerd starts its own containerd as a child: both are "the daemon".
    daemonPids: async () => [proc.pid!, ...(await childPids(proc.pid!))],
    helperComm: ['containerd-shim', 'containerd-shim-runc-v2'],
  };
}

async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(p));
  }
  return out;
}

export async function rssKb(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

export async function helperRssKb(comms: string[]): Promise<number> {
  let total = 0;
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const comm = (await readFile(`/proc/${p}/comm`, 'utf8').catch(() => '')).trim();
    if (comms.some((c) => comm.startsWith(c.slice(0, 15)))) total += await rssKb(Number(p));
  }
  return total;
}

export async function daemonMemoryMb(e: Engine): Promise<{ daemon: number; withHelpers: number }> {
  let kb = 0;
  for (const pid of await e.daemonPids()) kb += await rssKb(pid);
  return { daemon: kb / 1024, withHelpers: (kb + (await helperRssKb(e.helperComm))) / 1024 };
}

export const dockerOn = (e: Engine) => (args: string[]) => sh('docker', args, { ...process.env, DOCKER_HOST: `unix://${e.socket}` });

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function mustOk(p: Promise<{ code: number; out: string; err: string }>, what: string): Promise<string> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what}: ${r.err}`);
  return r.out;
}

/** Removes the engine's containers, stops it, and removes its mounts, network state and data root. */
export async function stopEngine(e: Engine): Promise<void> {
  const docker = dockerOn(e);
  const ids = (await docker(['ps', '-aq'])).out.split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 25) await docker(['rm', '-f', ...ids.slice(i, i + 25)]);
  e.proc.kill('SIGTERM');
  await new Promise((r) => { e.proc.once('exit', r); setTimeout(r, 10_000); });
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(e.root));
  for (const m of mounts.sort((a, b) => b.length - a.length)) await sh('umount', ['-l', m]);
  if (e.name === 'berth') {
    const bridges = new Set<string>();
    for (const f of await readdir(join(e.root, 'networks')).catch(() => [] as string[])) {
      if (!f.endsWith('.json')) continue; // ipam/, and temp files a SIGKILL left mid-write
      const rec = JSON.parse((await readFile(join(e.root, 'networks', f), 'utf8').catch(() => '')) || '{}') as { Id?: string; bridge?: string };
      if (rec.Id && rec.bridge !== undefined) bridges.add(rec.bridge);
      else if (rec.Id) bridges.add(`br-${rec.Id.slice(0, 12)}`);
    }
    const run = join(e.root, 'run');
    await cleanupAll({ netnsDir: join(run, 'netns'), stateDir: join(run, 'network'), nftTable: nftTableFor(run), devices: (n) => bridges.has(n) });
    for (const c of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await rmdir(`/sys/fs/cgroup/${c}/${nftTableFor(run)}`).catch(() => undefined);
  }
  await rm(e.root, { recursive: true, force: true });
}

/** The busybox test image as a tar (built once, cached in the temp dir). */
export async function busyboxTar(): Promise<string> {
  const tar = join(tmpdir(), 'berth-bench-busybox.tar');
  await mustOk(sh('bash', [join(REPO, 'scripts/make-busybox-tar.sh'), tar]), 'busybox tar');
  return tar;
}

/** Runs one benchmark on Berth, then on dockerd, each started fresh and removed afterwards. */
export async function sideBySide<R>(bench: (e: Engine, tar: string) => Promise<R>, engines = [startBerth, () => startDockerd()]): Promise<{ berth: R; dockerd: R }> {
  const tar = await busyboxTar();
  const results: Record<string, R> = {};
  for (const start of engines) {
    const e = await start();
    try {
      results[e.name] = await bench(e, tar);
    } finally {
      await stopEngine(e);
    }
  }
  return { berth: results.berth, dockerd: results.dockerd };
}

/**
 * Runs `fn` (which starts dockerd with its network) and puts the host back afterwards: dockerd adds iptables
 * rules and docker0 and leaves them behind, so the rules are saved and restored, new tables deleted, docker0 removed.
 */
export async function restoringHostNetwork<R>(fn: () => Promise<R>): Promise<R> {
  const rules = (await sh('iptables-save', [])).out;
  const tablesBefore = (await sh('nft', ['list', 'tables'])).out;
  try {
    return await fn();
  } finally {
    if (rules.trim()) await sh('bash', ['-c', 'printf "%s" "$1" | iptables-restore', '_', rules]);
    for (const line of (await sh('nft', ['list', 'tables'])).out.split('\n')) {
      if (line.trim() && !tablesBefore.includes(line) && !/ berth/.test(line)) await sh('nft', ['delete', ...line.trim().split(/\s+/)]);
    }
    await sh('ip', ['link', 'del', 'docker0']);
  }
}
