/**
 * `berth stack` on one node (issue 7): deploy.replicas runs five containers; deploying the same file with a
 * changed image replaces them one at a time (update_config parallelism 1), never fewer than four running.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, REPO, run } from './harness.ts';

const stackFile = (tag: string) => `services:
  app:
    image: busybox:${tag}
    command: sleep 600
    stop_grace_period: 1s
    deploy:
      replicas: 5
      restart_policy:
        condition: any
      update_config:
        parallelism: 1
        delay: 100ms
        order: stop-first
        failure_action: rollback
`;

describe('berth stack', () => {
  let d: Daemon;
  let dir: string;
  const berth = (args: string[]) => run(join(REPO, 'bin/berth'), args, { env: d.env, timeoutMs: 180_000, cwd: dir });

  before(async () => {
    d = await Daemon.start();
    await d.importBusybox('busybox:v1');
    await d.ok(['tag', 'busybox:v1', 'busybox:v2']);
    dir = await mkdtemp(join(tmpdir(), 'berth-stack-'));
  });
  after(async () => {
    if (d && dir) await berth(['stack', 'rm', 'st']).catch(() => undefined);
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('replicas, rolling update one by one, ls/ps/services, rm', async () => {
    const file = join(dir, 'stack.yml');
    await writeFile(file, stackFile('v1'));
    const deploy = await berth(['stack', 'deploy', '-c', file, 'st']);
    assert.equal(deploy.code, 0, deploy.stderr);
    const running = async () => (await d.ok(['ps', '--filter', 'label=com.docker.stack.namespace=st', '--format', '{{.Image}}'])).split('\n').filter(Boolean);
    assert.deepEqual(await running(), Array(5).fill('busybox:v1'));
    assert.match((await berth(['stack', 'ls'])).stdout, /^st\s+1$/m);
    assert.match((await berth(['stack', 'services', 'st'])).stdout, /st_app\s+replicated\s+5\/5\s+busybox:v1/);
    assert.equal((await berth(['stack', 'ps', 'st'])).stdout.match(/st_app\.\d\s+busybox:v1\s+local\s+Running/g)?.length, 5);

    await writeFile(file, stackFile('v2'));
    let min = 5;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        min = Math.min(min, (await running()).length);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    const update = await berth(['stack', 'deploy', '-c', file, 'st']);
    polling = false;
    await poller;
    assert.equal(update.code, 0, update.stderr);
    assert.deepEqual(await running(), Array(5).fill('busybox:v2'));
    assert.equal(min, 4, 'one replica at a time: four keep running');
    // one by one: each replica is stopped, then its replacement started, in turn
    const order = [...update.stderr.matchAll(/Container st-app-(\d)  (Stopping|Started)/g)].map((m) => `${m[2]} ${m[1]}`);
    assert.deepEqual(order, [1, 2, 3, 4, 5].flatMap((n) => [`Stopping ${n}`, `Started ${n}`]));

    const removed = await berth(['stack', 'rm', 'st']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await d.ok(['ps', '-aq']), '');
    assert.doesNotMatch(await d.ok(['network', 'ls']), /st_default/);
  });
});
