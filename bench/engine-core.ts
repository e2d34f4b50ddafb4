/**
 * Engine-core benchmarks, side by side in one run: Berth vs Debian's dockerd 20.10 (and podman 4.3 for the run
 * latency), all driven by the same docker CLI 28 where an Engine API is involved.
 *
 *   sudo bash bench/run.sh engine-core          (installs docker.io and podman if missing)
 *
 * Measures: `docker run --rm --network none busybox true` latency; `docker ps` with 50 running containers;
 * daemon memory idle and with 50 containers (daemon process alone, and with its per-container helpers).
 * Prints medians and Berth/reference ratios. Each engine gets its own temporary data root and socket, and
 * everything is removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:http';

const REPO = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 50);

interface Engine {
  name: string;
  socket: string;
  root: string;
  proc: ChildProcess;
  /** pids whose RSS counts as "the daemon". */
  daemonPids(): Promise<number[]>;
  /** process name patterns of per-container helpers (conmon, containerd-shim). */
  helperComm: string[];
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
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

async function startBerth(): Promise<Engine> {
  const root = await mkdtemp(join(tmpdir(), 'bench-berth-'));
  const socket = join(root, 'berth.sock');
  let log = '';
  const proc = spawn(join(REPO, 'bin/berthd'), ['--data-root', root, '--host', `unix://${socket}`, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr!.on('data', (b) => (log += b));
  await waitPing(socket, proc, () => log);
  return { name: 'berth', socket, root, proc, daemonPids: async () => [proc.pid!], helperComm: ['conmon'] };
}

async function startDockerd(): Promise<Engine> {
  const root = await mkdtemp(join(tmpdir(), 'bench-dockerd-'));
  const socket = join(root, 'docker.sock');
  let log = '';
  const proc = spawn('/usr/sbin/dockerd', [
    '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--pidfile', join(root, 'docker.pid'),
    '-H', `unix://${socket}`, '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--containerd-namespace', 'bench',
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

async function rssKb(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

async function helperRssKb(comms: string[]): Promise<number> {
  let total = 0;
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const comm = (await readFile(`/proc/${p}/comm`, 'utf8').catch(() => '')).trim();
    if (comms.some((c) => comm.startsWith(c.slice(0, 15)))) total += await rssKb(Number(p));
  }
  return total;
}

async function daemonMemoryMb(e: Engine): Promise<{ daemon: number; withHelpers: number }> {
  let kb = 0;
  for (const pid of await e.daemonPids()) kb += await rssKb(pid);
  return { daemon: kb / 1024, withHelpers: (kb + (await helperRssKb(e.helperComm))) / 1024 };
}

const docker = (e: Engine, args: string[]) => sh('docker', args, { ...process.env, DOCKER_HOST: `unix://${e.socket}` });

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function mustOk(p: Promise<{ code: number; out: string; err: string }>, what: string): Promise<string> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what}: ${r.err}`);
  return r.out;
}

async function podmanRunLatency(tar: string): Promise<number[] | undefined> {
  if ((await sh('which', ['podman'])).code !== 0) return undefined;
  const root = await mkdtemp(join(tmpdir(), 'bench-podman-'));
  const base = ['--root', join(root, 'root'), '--runroot', join(root, 'run'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  try {
    await mustOk(sh('podman', [...base, 'import', '--change', 'CMD ["sh"]', tar, 'localhost/busybox:latest']), 'podman import');
    // podman sets RLIMIT_NOFILE/NPROC above this machine's hard limits by default, which fails without
    // CAP_SYS_RESOURCE: give it modest limits (lowering is always allowed).
    const runArgs = [...base, 'run', '--rm', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', '--network', 'none', 'localhost/busybox', 'true'];
    await mustOk(sh('podman', runArgs), 'podman run');
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeIt(() => mustOk(sh('podman', runArgs), 'podman run')));
    return times;
  } finally {
    await sh('podman', [...base, 'system', 'reset', '--force']);
    await rm(root, { recursive: true, force: true });
  }
}

async function stopEngine(e: Engine): Promise<void> {
  const ids = (await docker(e, ['ps', '-aq'])).out.split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 25) await docker(e, ['rm', '-f', ...ids.slice(i, i + 25)]);
  e.proc.kill('SIGTERM');
  await new Promise((r) => { e.proc.once('exit', r); setTimeout(r, 10_000); });
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(e.root));
  for (const m of mounts.sort((a, b) => b.length - a.length)) await sh('umount', ['-l', m]);
  await rm(e.root, { recursive: true, force: true });
}

async function benchEngine(e: Engine, tar: string) {
  await mustOk(docker(e, ['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']), `${e.name} import`);
  const idle = await daemonMemoryMb(e);
  await docker(e, ['run', '--rm', '--network', 'none', 'busybox', 'true']); // warm-up
  const run: number[] = [];
  for (let i = 0; i < RUNS; i++) run.push(await timeIt(() => mustOk(docker(e, ['run', '--rm', '--network', 'none', 'busybox', 'true']), `${e.name} run`)));
  for (let i = 0; i < CONTAINERS; i++) await mustOk(docker(e, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']), `${e.name} run -d`);
  const ps: number[] = [];
  for (let i = 0; i < RUNS; i++) ps.push(await timeIt(() => mustOk(docker(e, ['ps']), `${e.name} ps`)));
  const loaded = await daemonMemoryMb(e);
  return { run: median(run), ps: median(ps), idle, loaded };
}

async function main(): Promise<void> {
  const tar = join(tmpdir(), 'berth-bench-busybox.tar');
  await mustOk(sh('bash', [join(REPO, 'scripts/make-busybox-tar.sh'), tar]), 'busybox tar');
  const results: Record<string, Awaited<ReturnType<typeof benchEngine>>> = {};
  for (const start of [startBerth, startDockerd]) {
    const e = await start();
    try {
      results[e.name] = await benchEngine(e, tar);
    } finally {
      await stopEngine(e);
    }
  }
  const b = results.berth;
  const d = results.dockerd;
  const row = (what: string, bv: number, dv: number, unit: string) =>
    console.log(`${what.padEnd(48)} ${bv.toFixed(1).padStart(9)} ${unit}  ${dv.toFixed(1).padStart(9)} ${unit}   ratio ${(bv / dv).toFixed(2)}x`);
  console.log(`\nengine-core benchmarks (medians of ${RUNS}; ${CONTAINERS} containers)        berth        dockerd 20.10`);
  row('docker run --rm --network none busybox true', b.run, d.run, 'ms');
  row(`docker ps with ${CONTAINERS} running`, b.ps, d.ps, 'ms');
  row('daemon RSS idle', b.idle.daemon, d.idle.daemon, 'MB');
  row(`daemon RSS with ${CONTAINERS} containers`, b.loaded.daemon, d.loaded.daemon, 'MB');
  row(`daemon + per-container helpers, ${CONTAINERS} ctrs`, b.loaded.withHelpers, d.loaded.withHelpers, 'MB');
  const podman = await podmanRunLatency(tar).catch((err) => {
    console.log(`podman: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  });
  if (podman) console.log(`podman 4.3 run --rm --network none busybox true: ${median(podman).toFixed(1)} ms (berth ratio ${(b.run / median(podman)).toFixed(2)}x)`);
}

await main();
