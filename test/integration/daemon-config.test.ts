/**
 * berthd's --config file and SIGHUP reload (issue 6), and --pidfile.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from './harness.ts';

describe('daemon configuration', () => {
  let d: Daemon;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-cfg-'));
    await writeFile(join(dir, 'daemon.json'), JSON.stringify({ 'log-level': 'warn' }));
    d = await Daemon.start({ args: ['--config', join(dir, 'daemon.json'), '--pidfile', join(dir, 'berthd.pid'), '--log-level', 'warn'] });
  });
  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('pidfile names the daemon; SIGHUP reloads the config file and says so in events', async () => {
    assert.equal(Number(await readFile(join(dir, 'berthd.pid'), 'utf8')), d.proc!.pid);
    const since = Math.floor(Date.now() / 1000) - 1;
    await writeFile(join(dir, 'daemon.json'), JSON.stringify({ 'log-level': 'debug' }));
    d.proc!.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    const until = Math.floor(Date.now() / 1000) + 1;
    const out = await d.ok(['events', '--since', String(since), '--until', String(until), '--filter', 'type=daemon', '--format', '{{.Action}} {{index .Actor.Attributes "log-level"}}']);
    assert.match(out, /^reload debug$/m);
    await d.ok(['version']);
    assert.match(d.logs, /"msg":"api"/); // debug logging is now on
  });
});
