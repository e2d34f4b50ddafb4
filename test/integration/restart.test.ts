/**
 * Restart policies (issue 6, first acceptance item) with the real docker CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('restart policies', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
  });

  async function waitFor(pred: () => Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await pred()) return;
      await sleep(200);
    }
    throw new Error('condition not reached');
  }

  test('--restart always comes back, survives a daemon SIGKILL, and docker stop ends it', async () => {
    await d.ok(['run', '-d', '--name', 'flappy', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 1; exit 1']);
    await waitFor(async () => Number(await d.ok(['inspect', '-f', '{{.RestartCount}}', 'flappy'])) >= 2);
    await d.kill9();
    await sleep(1500);
    await d.launch();
    await waitFor(async () => (await d.ok(['inspect', '-f', '{{.State.Status}}', 'flappy'])) === 'running');
    await d.ok(['stop', '-t', '1', 'flappy']);
    const count = Number(await d.ok(['inspect', '-f', '{{.RestartCount}}', 'flappy']));
    await sleep(2500);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}}', 'flappy']), 'exited');
    assert.equal(Number(await d.ok(['inspect', '-f', '{{.RestartCount}}', 'flappy'])), count);
    await d.ok(['rm', 'flappy']);
  });

  test('--restart on-failure:2 stops after two retries; a clean exit is not restarted', async () => {
    await d.ok(['run', '-d', '--name', 'fails', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 3']);
    await waitFor(async () => (await d.ok(['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'fails'])) === 'exited 2');
    await sleep(1000);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}', 'fails']), 'exited 2 3');
    await d.ok(['run', '-d', '--name', 'clean', '--restart', 'on-failure', 'busybox', 'true']);
    await sleep(1000);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'clean']), 'exited 0');
    await d.ok(['rm', '-f', 'fails', 'clean']);
  });
});
