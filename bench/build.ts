/**
 * The issue's 5-step build (FROM busybox; RUN echo; COPY a 50 MB file; RUN sha256sum; RUN echo), cold (--no-cache,
 * base image present) and fully cached, medians: Berth (classic API, CLI 28), dockerd 20.10's classic builder and
 * dockerd 20.10 with BuildKit (Debian's own CLI /usr/bin/docker 20.10, DOCKER_BUILDKIT=1).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, mustOk, restoringHostNetwork, sh, sideBySide, startBerth, startDockerd, timeIt, type Engine } from './engines.ts';

const RUNS = Number(process.env.BUILD_RUNS ?? 5);
const DOCKERFILE = 'FROM busybox\nRUN echo one > /one\nCOPY big.bin /big.bin\nRUN sha256sum /big.bin > /sum\nRUN echo done > /done\n';

interface Times { cold: number; cached: number }

/** Times cold and cached builds of `dir` with one CLI binary and builder mode. */
async function timeBuilds(e: Engine, cli: string, buildkit: boolean, dir: string): Promise<Times> {
  const env = { ...process.env, DOCKER_HOST: `unix://${e.socket}`, DOCKER_BUILDKIT: buildkit ? '1' : '0' };
  const build = (extra: string[]) => mustOk(sh(cli, ['build', '-q', ...extra, '-t', 'bench-build', dir], env), `${e.name} build`);
  await build([]); // warm-up: fills the cache
  const cold: number[] = [];
  const cached: number[] = [];
  for (let i = 0; i < RUNS; i++) cold.push(await timeIt(() => build(['--no-cache'])));
  for (let i = 0; i < RUNS; i++) cached.push(await timeIt(() => build([])));
  return { cold: median(cold), cached: median(cached) };
}

/**
 * The floor of a cached classic build: the docker CLI packing and sending the same context to a server that only
 * reads it and answers with an image ID. The classic API streams the whole context on every build, so no engine
 * behind this API can be faster than this.
 */
async function contextSendFloor(dir: string): Promise<number> {
  const socket = join(dir, '..', `bench-sink-${process.pid}.sock`);
  const id = `sha256:${'0'.repeat(64)}`;
  const server = createServer((req, res) => {
    if (req.url?.includes('/_ping')) {
      res.writeHead(200, { 'API-Version': '1.47', 'Builder-Version': '1', OSType: 'linux' }).end('OK');
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(`${JSON.stringify({ aux: { ID: id } })}\n`));
  });
  await new Promise<void>((r) => server.listen(socket, r));
  try {
    const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_BUILDKIT: '0' };
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeIt(() => mustOk(sh('docker', ['build', '-q', dir], env), 'sink build')));
    return median(times);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-build-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), DOCKERFILE);
    await writeFile(join(dir, 'big.bin'), randomBytes(50 * 1024 * 1024));
    const r = await restoringHostNetwork(() => sideBySide(async (e, tar) => {
      await mustOk(sh('docker', ['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest'], { ...process.env, DOCKER_HOST: `unix://${e.socket}` }), `${e.name} import`);
      if (e.name === 'berth') return { berth: await timeBuilds(e, 'docker', false, dir) };
      return { classic: await timeBuilds(e, '/usr/bin/docker', false, dir), buildkit: await timeBuilds(e, '/usr/bin/docker', true, dir) };
    }, [startBerth, () => startDockerd({ network: true })])); // BuildKit's RUN needs dockerd's bridge
    const rows: [string, Times][] = [['berth', r.berth.berth!], ['dockerd 20.10 classic', r.dockerd.classic!], ['dockerd 20.10 BuildKit', r.dockerd.buildkit!]];
    console.log(`5-step build, 50 MB COPY, median of ${RUNS}`);
    for (const [name, t] of rows) console.log(`${name.padEnd(24)} cold ${(t.cold / 1000).toFixed(2)} s   cached ${(t.cached / 1000).toFixed(3)} s`);
    const floor = await contextSendFloor(dir);
    console.log(`${'docker CLI -> discard'.padEnd(24)} (only packing and sending the 50 MB context: the floor of any cached classic build) ${(floor / 1000).toFixed(3)} s`);
    const bk = r.dockerd.buildkit!;
    const b = r.berth.berth!;
    console.log(`goal cold <= BuildKit: ${b.cold <= bk.cold ? 'met' : 'missed'}; cached <= BuildKit/2: ${b.cached <= bk.cached / 2 ? 'met' : 'missed'}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
