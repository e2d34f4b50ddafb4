/**
 * Operations benchmarks (issue 6), side by side in one run: Berth vs Debian's dockerd 20.10.
 *
 *   bash bench/run.sh operations
 *
 * Measures: create+start of 50 containers from 8 parallel clients; `docker ps` and `docker stats --no-stream`
 * with 200 running containers; daemon memory with 200 containers. Containers use --network none so both
 * engines do the same work (dockerd runs without its bridge here).
 */
import {
  sideBySide,
  BENCH_RUNS, daemonMemoryMb, dockerOn, median, mustOk, timeIt, type Engine,
} from './engines.ts';

const PARALLEL_CONTAINERS = 50;
const CLIENTS = 8;
const PARALLEL_ROUNDS = 3;
const RUNNING = Number(process.env.BENCH_RUNNING ?? 200);

async function benchEngine(e: Engine, tar: string) {
  const docker = dockerOn(e);
  await mustOk(docker(['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']), `${e.name} import`);
  // 50 create+start from 8 clients in parallel; three rounds (containers removed between them), median.
  const createStart = async () => {
    let next = 0;
    return timeIt(() => Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < PARALLEL_CONTAINERS) {
        next++;
        await mustOk(docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']), `${e.name} run -d`);
      }
    })));
  };
  const rounds: number[] = [];
  for (let round = 0; round < PARALLEL_ROUNDS; round++) {
    if (round > 0) await mustOk(docker(['rm', '-f', ...(await mustOk(docker(['ps', '-aq']), `${e.name} ps -aq`)).split('\n').filter(Boolean)]), `${e.name} rm -f`);
    rounds.push(await createStart());
  }
  const parallel = median(rounds);
  for (let i = PARALLEL_CONTAINERS; i < RUNNING; i++) await mustOk(docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']), `${e.name} run -d`);
  const ps: number[] = [];
  for (let i = 0; i < BENCH_RUNS; i++) ps.push(await timeIt(() => mustOk(docker(['ps']), `${e.name} ps`)));
  const stats: number[] = [];
  for (let i = 0; i < 3; i++) stats.push(await timeIt(() => mustOk(docker(['stats', '--no-stream']), `${e.name} stats`)));
  const memory = await daemonMemoryMb(e);
  return { parallel, ps: median(ps), stats: median(stats), memory };
}

async function main(): Promise<void> {
  const results = await sideBySide(benchEngine);
  const b = results.berth;
  const d = results.dockerd;
  const row = (what: string, bv: number, dv: number, unit: string) =>
    console.log(`${what.padEnd(52)} ${bv.toFixed(1).padStart(9)} ${unit.padEnd(3)} ${dv.toFixed(1).padStart(9)} ${unit.padEnd(3)}  ratio ${(bv / dv).toFixed(2)}x`);
  console.log(`\noperations benchmarks                                          berth          dockerd 20.10`);
  row(`create+start ${PARALLEL_CONTAINERS} containers, ${CLIENTS} clients (median of ${PARALLEL_ROUNDS})`, b.parallel, d.parallel, 'ms');
  row(`docker ps with ${RUNNING} running (median of ${BENCH_RUNS})`, b.ps, d.ps, 'ms');
  row(`docker stats --no-stream with ${RUNNING} running (median of 3)`, b.stats, d.stats, 'ms');
  row(`daemon RSS with ${RUNNING} containers`, b.memory.daemon, d.memory.daemon, 'MB');
  row(`daemon + per-container helpers, ${RUNNING} containers`, b.memory.withHelpers, d.memory.withHelpers, 'MB');
}

await main();
