/**
 * Engine-core benchmarks, side by side in one run: Berth vs Debian's dockerd 20.10 (and podman 4.3 for the run
 * latency), all driven by the same docker CLI 28 where an Engine API is involved.
 *
 *   bash bench/run.sh engine-core          (installs docker.io and podman if missing)
 *
 * Measures: `docker run --rm --network none busybox true` latency; `docker ps` with 50 running containers;
 * daemon memory idle and with 50 containers (daemon process alone, and with its per-container helpers).
 * Prints medians and Berth/reference ratios. Each engine gets its own temporary data root and socket, and
 * everything is removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  sideBySide, busyboxTar,
  BENCH_RUNS as RUNS, daemonMemoryMb, dockerOn, median, mustOk, sh, timeIt, type Engine,
} from './engines.ts';

const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 50);

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

async function benchEngine(e: Engine, tar: string) {
  const docker = dockerOn(e);
  await mustOk(docker(['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']), `${e.name} import`);
  const idle = await daemonMemoryMb(e);
  await docker(['run', '--rm', '--network', 'none', 'busybox', 'true']); // warm-up
  const run: number[] = [];
  for (let i = 0; i < RUNS; i++) run.push(await timeIt(() => mustOk(docker(['run', '--rm', '--network', 'none', 'busybox', 'true']), `${e.name} run`)));
  for (let i = 0; i < CONTAINERS; i++) await mustOk(docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']), `${e.name} run -d`);
  const ps: number[] = [];
  for (let i = 0; i < RUNS; i++) ps.push(await timeIt(() => mustOk(docker(['ps']), `${e.name} ps`)));
  const loaded = await daemonMemoryMb(e);
  return { run: median(run), ps: median(ps), idle, loaded };
}

async function main(): Promise<void> {
  const results = await sideBySide(benchEngine);
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
  const podman = await podmanRunLatency(await busyboxTar()).catch((err) => {
    console.log(`podman: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  });
  if (podman) console.log(`podman 4.3 run --rm --network none busybox true: ${median(podman).toFixed(1)} ms (berth ratio ${(b.run / median(podman)).toFixed(2)}x)`);
}

await main();
