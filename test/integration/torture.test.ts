/**
 * Crash safety: berthd is killed with SIGKILL at random moments while clients pull and build images, create,
 * start, stop and remove containers and create and remove volumes and networks; after each restart the store
 * must be consistent.
 * BERTH_TORTURE_POINTS sets the number of kill points (default 50, as the issue asks).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistryServer, type RunningRegistry } from '../../src/registry/server/index.ts';
import type { Logger } from '../../src/lib/index.ts';
import { Daemon } from './harness.ts';

const POINTS = Number(process.env.BERTH_TORTURE_POINTS ?? 50);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('crash safety', () => {
  let d: Daemon;
  let registryRoot: string;
  let registry: RunningRegistry;
  /** An image with a 3 MB layer of its own on a loopback registry, pulled again and again by the churn. */
  let remote: string;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    registryRoot = await mkdtemp(join(tmpdir(), 'berth-torture-registry-'));
    const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
    registry = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root: registryRoot });
    remote = `${new URL(registry.url).host}/torture/pullme:1`;
    await d.ok(['build', '-q', '-t', remote, '-'], { input: 'FROM busybox\nRUN head -c 3000000 /dev/urandom > /blob\n' });
    await d.ok(['push', remote]);
    await d.ok(['rmi', remote]);
  });
  after(async () => {
    await d?.stop();
    await registry?.close();
    if (registryRoot) await rm(registryRoot, { recursive: true, force: true });
  });

  /** Fire-and-forget client work that the kill interrupts somewhere in the middle. */
  function churn(i: number): Promise<unknown> {
    const ops = [
      async () => (await d.docker(['rmi', remote]), d.docker(['pull', '-q', remote])),
      () => d.docker(['build', '-q', '-t', `b${i}`, '-'], { input: `FROM busybox\nRUN echo ${i} > /step\nRUN head -c 1000000 /dev/urandom > /blob\nCMD ["cat", "/step"]\n` }),
      () => d.docker(['run', '-d', '--name', `t${i}`, 'busybox', 'sleep', '300']),
      () => d.docker(['run', '--rm', 'busybox', 'true']),
      () => d.docker(['create', '--name', `c${i}`, '-v', `vol${i}:/data`, 'busybox', 'true']),
      () => d.docker(['volume', 'create', `v${i}`]),
      () => d.docker(['network', 'create', `n${i}`]),
      () => d.docker(['rm', '-f', `t${i - 1}`]),
      () => d.docker(['stop', '-t', '0', `t${i - 2}`]),
    ];
    return Promise.allSettled(ops.map((op) => op()));
  }

  async function checkConsistent(): Promise<void> {
    const ids = (await d.ok(['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
    assert.equal(new Set(ids).size, ids.length, 'no container listed twice');
    const mounts = await readFile('/proc/self/mounts', 'utf8');
    for (const id of ids) {
      const [status, pid] = (await d.ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', id])).split(' ');
      assert.ok(['created', 'running', 'exited', 'restarting'].includes(status), `${id} is ${status}`);
      if (status === 'running') assert.ok(alive(Number(pid)), `${id} says running but pid ${pid} is gone`);
      const mounted = mounts.includes(`${d.dataRoot}/containers/${id}/rootfs `);
      if (status !== 'running') assert.ok(!mounted, `${id} is ${status} but its rootfs is still mounted`);
    }
    // Every listed image is complete: inspect works and its layers are all there (system check below).
    for (const img of (await d.ok(['images', '-q'])).split('\n').filter(Boolean)) await d.ok(['image', 'inspect', img]);
    // A pulled or built image that survived the kill runs.
    for (const ref of (await d.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n')) {
      if (/^b\d+:/.test(ref) || ref === remote) await d.ok(['run', '--rm', ref, 'test', '-s', ref === remote ? '/blob' : '/step']);
    }
    await d.ok(['volume', 'ls']);
    await d.ok(['network', 'ls']);
    const check = await d.berth(['system', 'check']);
    assert.equal(check.code, 0, `system check after restart:\n${check.stdout}${check.stderr}`);
  }

  test(`SIGKILL at ${POINTS} random moments leaves a consistent store`, async () => {
    for (let i = 2; i < POINTS + 2; i++) {
      const work = churn(i);
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 250)));
      await d.kill9();
      await work;
      await d.launch();
      await checkConsistent();
    }
    // Everything can still be cleaned up.
    const ids = (await d.ok(['ps', '-aq'])).split('\n').filter(Boolean);
    if (ids.length) await d.ok(['rm', '-f', ...ids]);
    await d.ok(['volume', 'prune', '-af']);
    await d.ok(['network', 'prune', '-f']);
    const mounts = await readFile('/proc/self/mounts', 'utf8');
    assert.ok(!mounts.includes(`${d.dataRoot}/containers/`), 'no container mounts left');
  });
});
