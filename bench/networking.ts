/**
 * Networking benchmarks (issue 3), side by side in one run: Berth vs Debian's dockerd 20.10.
 *
 *   bash bench/run.sh networking          (installs docker.io, podman and wrk if missing)
 *
 * Measures: `docker run --rm busybox true` on the default bridge; HTTP requests per second through a published
 * port (wrk on loopback, 5 s, bounded); 50 containers each publishing a port, started in parallel. dockerd runs
 * with its iptables rules; the host's iptables ruleset is saved first and restored afterwards, and every bridge,
 * netns and nftables table either engine made is removed.
 */
import { BENCH_RUNS, median, mustOk, restoringHostNetwork, sh, sideBySide, startBerth, startDockerd, timeIt, dockerOn, type Engine } from './engines.ts';

const PARALLEL = Number(process.env.BENCH_CONTAINERS ?? 50);
const HTTPD = ['sh', '-c', 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www'];

async function wrkRps(port: number): Promise<number> {
  const r = await sh('wrk', ['-t2', '-c32', '-d5s', `http://127.0.0.1:${port}/`]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.out)?.[1] ?? 0);
}

async function benchEngine(e: Engine, tar: string) {
  const docker = dockerOn(e);
  await mustOk(docker(['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']), `${e.name} import`);
  await docker(['run', '--rm', 'busybox', 'true']);
  const run: number[] = [];
  for (let i = 0; i < BENCH_RUNS; i++) run.push(await timeIt(() => mustOk(docker(['run', '--rm', 'busybox', 'true']), `${e.name} run`)));

  await mustOk(docker(['run', '-d', '--name', 'web', '-p', '18090:80', 'busybox', ...HTTPD]), `${e.name} web`);
  await new Promise((r) => setTimeout(r, 500));
  const rps = await wrkRps(18090);
  await docker(['rm', '-f', 'web']);

  const parallel = await timeIt(() => Promise.all(Array.from({ length: PARALLEL }, () =>
    mustOk(docker(['run', '-d', '-p', '80', 'busybox', ...HTTPD]), `${e.name} run -d -p`))));
  return { run: median(run), rps, parallel };
}

async function main(): Promise<void> {
  const results = await restoringHostNetwork(() => sideBySide(benchEngine, [startBerth, () => startDockerd({ network: true })]));
  const b = results.berth;
  const d = results.dockerd;
  const row = (what: string, bv: number, dv: number, unit: string, better: 'lower' | 'higher') =>
    console.log(`${what.padEnd(52)} ${bv.toFixed(1).padStart(9)} ${unit.padEnd(5)} ${dv.toFixed(1).padStart(9)} ${unit.padEnd(5)}  ratio ${(bv / dv).toFixed(2)}x (${better} is better)`);
  console.log(`\nnetworking benchmarks (medians of ${BENCH_RUNS})                        berth              dockerd 20.10`);
  row('docker run --rm busybox true (default bridge)', b.run, d.run, 'ms', 'lower');
  row('HTTP through a published port (wrk, 32 conns, 5 s)', b.rps, d.rps, 'req/s', 'higher');
  row(`${PARALLEL} containers with -p, started in parallel`, b.parallel, d.parallel, 'ms', 'lower');
}

await main();
