/**
 * Debian's docker-compose 1.29 (docker-py 5) driving berthd unchanged (issue 7, second acceptance item).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, REPO, httpGet as get, run } from './harness.ts';

const PORT = 18085;

describe('docker-compose 1.29 against berthd', () => {
  let d: Daemon;
  let dir: string;
  const compose = (args: string[]) =>
    run('docker-compose', ['--project-name', 'wp', ...args], { env: { ...d.env, WEB_PORT: String(PORT), COMPOSE_INTERACTIVE_NO_CLI: '1' }, timeoutMs: 120_000, cwd: dir });

  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    dir = await mkdtemp(join(tmpdir(), 'berth-compose-'));
    await cp(join(REPO, 'test/fixtures/compose/wordpress-like'), dir, { recursive: true });
  });
  after(async () => {
    if (d && dir) await compose(['down', '-v', '--rmi', 'local']).catch(() => undefined);
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('up -d, ps, logs, exec, down -v', async () => {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(await get(PORT), /served by web/);
    const ps = await compose(['ps']);
    assert.match(ps.stdout, /wp_db_1 .* Up \(healthy\)/);
    assert.match(ps.stdout, /wp_web_1 .* Up .*0\.0\.0\.0:18085->80\/tcp/);
    const logs = await compose(['logs', '--no-color', 'db']);
    assert.match(logs.stdout, /db ready/);
    const exec = await compose(['exec', '-T', 'web', 'nslookup', 'db']);
    assert.match(exec.stdout, /Name:\s+db/);
    const down = await compose(['down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await d.ok(['ps', '-aq']), '');
    assert.doesNotMatch(await d.ok(['volume', 'ls', '-q']), /wp_db_data/);
    assert.doesNotMatch(await d.ok(['network', 'ls']), /wp_default/);
  });
});
