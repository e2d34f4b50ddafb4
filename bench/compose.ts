/**
 * `up -d` and `down` of a 10-service project (busybox, sleeping, one default network, one named volume each),
 * medians: berth compose against berthd, docker-compose 1.29 against berthd, docker-compose 1.29 against dockerd 20.10.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, mustOk, restoringHostNetwork, sh, sideBySide, startBerth, startDockerd, timeIt, type Engine } from './engines.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BERTH = resolve(import.meta.dirname, '../bin/berth');

const project = (): string => {
  const services = Array.from({ length: 10 }, (_, i) => `  s${i}:\n    image: busybox\n    command: sleep 600\n    stop_grace_period: 1s\n    volumes: ["v${i}:/data"]\n`).join('');
  const volumes = Array.from({ length: 10 }, (_, i) => `  v${i}: {}\n`).join('');
  return `version: "3.8"\nservices:\n${services}volumes:\n${volumes}`;
};

interface Times { up: number; down: number }

async function timeTool(e: Engine, dir: string, tool: string, toolArgs: string[]): Promise<Times> {
  const env = { ...process.env, DOCKER_HOST: `unix://${e.socket}`, COMPOSE_INTERACTIVE_NO_CLI: '1' };
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cmd = (args: string[]) => mustOk(sh('bash', ['-c', 'cd "$1" && shift && exec "$@"', '_', dir, tool, ...toolArgs, '-p', 'bench', ...args], env), `${e.name} ${tool} ${args[0]}`);
    ups.push(await timeIt(() => cmd(['up', '-d'])));
    downs.push(await timeIt(() => cmd(['down', '-v', '-t', '1'])));
  }
  return { up: median(ups), down: median(downs) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-compose-'));
  try {
    await writeFile(join(dir, 'docker-compose.yml'), project());
    const r = await restoringHostNetwork(() => sideBySide(async (e, tar) => {
      await mustOk(sh('docker', ['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest'], { ...process.env, DOCKER_HOST: `unix://${e.socket}` }), `${e.name} import`);
      const v1 = await timeTool(e, dir, 'docker-compose', []);
      return e.name === 'berth' ? { v1, v2: await timeTool(e, dir, BERTH, ['compose']) } : { v1 };
    }, [startBerth, () => startDockerd({ network: true })]));
    console.log(`10-service project, median of ${RUNS}`);
    const rows: [string, Times][] = [['berth compose → berthd', r.berth.v2!], ['docker-compose 1.29 → berthd', r.berth.v1], ['docker-compose 1.29 → dockerd 20.10', r.dockerd.v1]];
    for (const [name, t] of rows) console.log(`${name.padEnd(38)} up -d ${(t.up / 1000).toFixed(2)} s   down ${(t.down / 1000).toFixed(2)} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
