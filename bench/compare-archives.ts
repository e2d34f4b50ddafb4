/**
 * Issue 5 acceptance, where dockerd is present: an image archive saved by dockerd 20.10 loads into Berth and one
 * saved by Berth loads into dockerd, each keeping its image ID and tags, and the loaded image runs. Both engines
 * run side by side on temporary data roots. Exits non-zero on any mismatch.
 * Usage: bash bench/run.sh compare-archives
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxTar, dockerOn, mustOk, startBerth, startDockerd, stopEngine, type Engine } from './engines.ts';

type Docker = ReturnType<typeof dockerOn>;
const ok = (docker: Docker, args: string[]) => mustOk(docker(args), `docker ${args.join(' ')}`).then((s) => s.trim());

/** Imports the busybox rootfs under `tag` (a label makes the two engines' images differ). */
async function importImage(docker: Docker, tar: string, tag: string, label: string): Promise<string> {
  await ok(docker, ['import', '--change', 'CMD ["sh"]', '--change', `LABEL made-by=${label}`, tar, tag]);
  return ok(docker, ['inspect', '-f', '{{.Id}}', tag]);
}

/** Saves `tags` on `from`, loads the archive on `to`, and checks IDs, tags and a run of the first one. */
async function transfer(from: Engine, to: Engine, tags: string[], dir: string): Promise<string[]> {
  const src = dockerOn(from);
  const dst = dockerOn(to);
  const problems: string[] = [];
  const archive = join(dir, `${from.name}-to-${to.name}.tar`);
  await ok(src, ['save', '-o', archive, ...tags]);
  const loaded = await ok(dst, ['load', '-i', archive]);
  for (const tag of tags) {
    const want = await ok(src, ['inspect', '-f', '{{.Id}}', tag]);
    const got = await dst(['inspect', '-f', '{{.Id}}', tag]);
    if (got.out.trim() !== want) problems.push(`${tag}: ${to.name} has ${got.out.trim() || got.err.trim()}, ${from.name} saved ${want}`);
    if (!loaded.includes(`Loaded image: ${tag}`)) problems.push(`${to.name} load output lacks "Loaded image: ${tag}": ${loaded}`);
  }
  const echo = await dst(['run', '--rm', '--network', 'none', tags[0], 'echo', 'archive-ok']);
  if (echo.out.trim() !== 'archive-ok') problems.push(`${to.name} cannot run ${tags[0]}: ${echo.err}`);
  return problems;
}

const dir = await mkdtemp(join(tmpdir(), 'compare-archives-'));
const tar = await busyboxTar();
const berth = await startBerth();
let failed = false;
try {
  const dockerd = await startDockerd();
  try {
    await importImage(dockerOn(berth), tar, 'from-berth/box:v1', 'berth');
    await ok(dockerOn(berth), ['tag', 'from-berth/box:v1', 'from-berth/box:second']);
    await importImage(dockerOn(dockerd), tar, 'from-dockerd/box:v1', 'dockerd');
    await ok(dockerOn(dockerd), ['tag', 'from-dockerd/box:v1', 'from-dockerd/other:v2']);
    const cases: [string, Engine, Engine, string[]][] = [
      ['Berth save -> dockerd load', berth, dockerd, ['from-berth/box:v1', 'from-berth/box:second']],
      ['dockerd save -> Berth load', dockerd, berth, ['from-dockerd/box:v1', 'from-dockerd/other:v2']],
    ];
    for (const [what, from, to, tags] of cases) {
      const problems = await transfer(from, to, tags, dir);
      console.log(`${problems.length ? 'FAIL' : 'ok  '} ${what} (${tags.join(', ')})`);
      for (const p of problems) console.log(`     ${p}`);
      failed ||= problems.length > 0;
    }
  } finally {
    await stopEngine(dockerd);
  }
} finally {
  await stopEngine(berth);
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
