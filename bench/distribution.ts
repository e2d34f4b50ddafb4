/**
 * Issue 5 benchmark: push then pull an image with a 100 MB layer over loopback, Berth (berthd + `berth registry
 * serve`) against dockerd 20.10 + docker-registry 2.8 (distribution), and each registry server's throughput with
 * 8 concurrent blob GETs of that layer. Every push goes to a fresh registry so every blob is uploaded. The two
 * engines run side by side and alternate, round by round.
 * Usage: bash bench/run.sh distribution   (BENCH_RUNS=N, default 3)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dockerOn, median, mustOk, sh, startBerth, startDockerd, stopEngine, timeIt, type Engine } from './engines.ts';

const REPO = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MB = 100;

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

interface Registry { host: string; proc: ChildProcess; root: string }

/** Berth's registry server or Debian's docker-registry, on a fresh root. */
async function startRegistry(kind: 'berth' | 'distribution'): Promise<Registry> {
  const root = await mkdtemp(join(tmpdir(), `bench-reg-${kind}-`));
  const host = `127.0.0.1:${await freePort()}`;
  let proc: ChildProcess;
  if (kind === 'berth') {
    proc = spawn(join(REPO, 'bin/berth'), ['registry', 'serve', '--addr', host, '--root', join(root, 'data'), '--log-level', 'warn'], { stdio: 'ignore' });
  } else {
    await writeFile(join(root, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\nhttp:\n  addr: ${host}\n  secret: bench\n`);
    proc = spawn('docker-registry', ['serve', join(root, 'config.yml')], { stdio: 'ignore' });
  }
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://${host}/v2/`).then(() => true, () => false)) return { host, proc, root };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${kind} registry did not start`);
}

async function stopRegistry(r: Registry): Promise<void> {
  const exited = new Promise((res) => r.proc.once('exit', res));
  r.proc.kill('SIGTERM');
  await exited;
  await rm(r.root, { recursive: true, force: true });
}

/** A rootfs tar holding one file of 100 MB of random bytes (incompressible, as real binaries nearly are). */
async function bigTar(dir: string): Promise<string> {
  await mkdir(join(dir, 'rootfs'));
  await writeFile(join(dir, 'rootfs/big'), randomBytes(MB * 1024 * 1024));
  await mustOk(sh('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'big.tar'), '.']), 'tar');
  return join(dir, 'big.tar');
}

/** 8 concurrent GETs of the layer blob: MB/s of all bodies together. */
async function concurrentPulls(r: Registry, repo: string): Promise<number> {
  const m = await (await fetch(`http://${r.host}/v2/${repo}/manifests/v1`, {
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  })).json() as { layers: { digest: string; size: number }[] };
  const layer = m.layers[0];
  const ms = await timeIt(() => Promise.all(Array.from({ length: 8 }, async () => {
    const res = await fetch(`http://${r.host}/v2/${repo}/blobs/${layer.digest}`);
    for await (const _ of res.body!) { /* drain */ }
  })));
  return (8 * layer.size) / (1024 * 1024) / (ms / 1000);
}

interface Result { push: number[]; pull: number[]; concurrentMBs: number[] }

/** One round for one engine: push to a fresh registry, remove the image, pull it, then 8 concurrent GETs. */
async function round(e: Engine, kind: 'berth' | 'distribution', out: Result): Promise<void> {
  const docker = dockerOn(e);
  const reg = await startRegistry(kind);
  try {
    const name = `${reg.host}/bench/big:v1`;
    await mustOk(docker(['tag', 'big:v1', name]), 'tag');
    out.push.push(await timeIt(() => mustOk(docker(['push', name]), 'push')));
    await mustOk(docker(['rmi', '-f', 'big:v1', name]), 'rmi');
    out.pull.push(await timeIt(() => mustOk(docker(['pull', name]), 'pull')));
    await mustOk(docker(['tag', name, 'big:v1']), 'tag back');
    await mustOk(docker(['rmi', name]), 'untag');
    out.concurrentMBs.push(await concurrentPulls(reg, 'bench/big'));
  } finally {
    await stopRegistry(reg);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'bench-distribution-'));
// Both engines run side by side and take turns (in alternating order), so a load change on a shared machine
// hits both rather than whichever happened to run then.
const engines: { e: Engine; kind: 'berth' | 'distribution'; out: Result }[] = [];
try {
  const tar = await bigTar(dir);
  for (const [start, kind] of [[startBerth, 'berth'], [() => startDockerd(), 'distribution']] as const) {
    const e = await start();
    engines.push({ e, kind, out: { push: [], pull: [], concurrentMBs: [] } });
    await mustOk(dockerOn(e)(['import', '--change', 'CMD ["/big"]', tar, 'big:v1']), 'import');
  }
  for (let i = 0; i < RUNS; i++) {
    for (const x of i % 2 ? [...engines].reverse() : engines) await round(x.e, x.kind, x.out);
  }
  const b = engines[0].out;
  const d = engines[1].out;
  const row = (what: string, x: number[], y: number[], unit: string, higherIsBetter = false) => {
    const [mb, md] = [median(x), median(y)];
    const ratio = higherIsBetter ? mb / md : md / mb;
    console.log(`${what.padEnd(38)} ${mb.toFixed(0).padStart(8)} ${unit}  ${md.toFixed(0).padStart(8)} ${unit}  ${ratio.toFixed(2)}x`);
  };
  console.log(`${MB} MB layer, loopback, median of ${RUNS} runs; ratio = Berth's advantage`);
  console.log(`${''.padEnd(38)} ${'Berth'.padStart(11)}  ${'dockerd+distribution'.padStart(11)}`);
  row('push (fresh registry)', b.push, d.push, 'ms');
  row('pull (image removed first)', b.pull, d.pull, 'ms');
  row('registry: 8 concurrent layer GETs', b.concurrentMBs, d.concurrentMBs, 'MB/s', true);
} finally {
  for (const x of engines) await stopEngine(x.e);
  await rm(dir, { recursive: true, force: true });
}
