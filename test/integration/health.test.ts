/**
 * Healthchecks (issue 6) with the real docker CLI: healthy, then unhealthy when the check fails, with events.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from './harness.ts';

describe('healthchecks', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
  });

  test('a check turns a container healthy, then unhealthy; events and ps show it', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await d.ok(['run', '-d', '--name', 'hc', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '1s', '--health-retries', '1',
      'busybox', 'sh', '-c', 'touch /tmp/ok; sleep 3; rm /tmp/ok; sleep 100']);
    assert.match(await d.ok(['ps', '--format', '{{.Status}}', '--filter', 'name=^hc$']), /\(health: starting\)/);
    const waitStatus = async (want: string) => {
      for (let i = 0; i < 60; i++) {
        if ((await d.ok(['inspect', '-f', '{{.State.Health.Status}}', 'hc'])) === want) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`never ${want}`);
    };
    await waitStatus('healthy');
    assert.match(await d.ok(['ps', '--format', '{{.Status}}', '--filter', 'health=healthy']), /\(healthy\)/);
    await waitStatus('unhealthy');
    const log = JSON.parse(await d.ok(['inspect', '-f', '{{json .State.Health}}', 'hc']));
    assert.ok(log.FailingStreak >= 1);
    assert.equal(log.Log.at(-1).ExitCode, 1);
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = await d.ok(['events', '--since', String(since), '--until', String(until), '--filter', 'event=health_status', '--format', '{{.Action}}']);
    assert.deepEqual(events.split('\n'), ['health_status: healthy', 'health_status: unhealthy']);
    await d.ok(['rm', '-f', 'hc']);
  });
});
