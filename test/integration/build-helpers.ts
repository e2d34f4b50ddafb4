/**
 * What the build tests share: a private copy of a corpus fixture, `docker build` with a long timeout, and the
 * check that a build left no container, mount or build layer behind.
 */
import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, type Daemon, type RunResult } from './harness.ts';

export const FIXTURES = join(REPO, 'test/fixtures/dockerfiles');

export function buildHelpers(d: () => Daemon, tmp: () => string) {
  /** A private copy of a fixture (tests may add or change files). */
  const fixture = async (name: string): Promise<string> => {
    const dir = join(tmp(), `${name}-${Math.random().toString(36).slice(2, 8)}`);
    await cp(join(FIXTURES, name), dir, { recursive: true });
    return dir;
  };
  const build = (args: string[], input?: string | Buffer): Promise<RunResult> => d().docker(['build', ...args], { input, timeoutMs: 120_000 });
  /** Builds and returns the output; a failed build fails the test with its output. */
  const built = async (args: string[]): Promise<string> => {
    const r = await build(args);
    assert.equal(r.code, 0, `docker build ${args.join(' ')}: ${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const noLeftovers = async () => {
    assert.equal(await d().ok(['ps', '-aq']), '', 'no containers left');
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    assert.ok(!mounts.includes(d().dataRoot), `no mounts left under the data root:\n${mounts.split('\n').filter((l) => l.includes(d().dataRoot)).join('\n')}`);
    assert.deepEqual((await d().snapshotKeys()).filter((k) => !k.startsWith('sha256:')), [], 'no build or container layers left');
  };
  return { fixture, build, built, noLeftovers };
}
