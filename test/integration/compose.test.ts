/**
 * `berth compose` against a real berthd (issue 7): the WordPress-shaped project end to end, convergence,
 * scaling, down -v, projects shared with docker-compose 1.29, and bad input that must create nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, REPO, httpGet as get, run } from './harness.ts';

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '0.0.0.0', () => resolve(srv));
  });
}

describe('berth compose', () => {
  let d: Daemon;
  let dir: string;
  const berth = (args: string[], env: NodeJS.ProcessEnv = {}) => run(join(REPO, 'bin/berth'), ['compose', ...args], { env: { ...d.env, ...env }, timeoutMs: 120_000, cwd: dir });
  const ids = async (filter: string) => (await d.ok(['ps', '-aq', '--no-trunc', '--filter', filter])).split('\n').filter(Boolean);
  const nothingLeft = async () => {
    assert.equal(await d.ok(['ps', '-aq']), '');
    assert.deepEqual((await d.ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n').filter((n) => !['bridge', 'host', 'none'].includes(n)), []);
    assert.equal(await d.ok(['volume', 'ls', '-q']), '');
  };

  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    dir = await mkdtemp(join(tmpdir(), 'berth-compose-'));
    await cp(join(REPO, 'test/fixtures/compose/wordpress-like'), dir, { recursive: true });
  });
  after(async () => {
    if (d && dir) for (const p of ['wpb', 'wpv1']) await berth(['-p', p, 'down', '-v', '--remove-orphans']).catch(() => undefined);
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('up -d, HTTP on the literal 8080, DNS, ps, logs, exec, recreate only web, scale, down -v', async () => {
    const up = await berth(['-p', 'wpb', 'up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /Container wpb-db-1 {2}Healthy/);
    assert.match(await get(8080), /served by web/);

    const exec = await berth(['-p', 'wpb', 'exec', '-T', 'web', 'nslookup', 'db']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.match(exec.stdout, /Name:\s+db/);
    const ps = await berth(['-p', 'wpb', 'ps']);
    assert.match(ps.stdout, /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS/);
    assert.match(ps.stdout, /wpb-db-1\s+busybox\s+.*\s+db\s+.*Up .*\(healthy\)/);
    assert.match(ps.stdout, /wpb-web-1\s+wpb-web\s+.*\s+web\s+.*0\.0\.0\.0:8080->80\/tcp/);
    const logs = await berth(['-p', 'wpb', 'logs', '--no-color', 'db']);
    assert.match(logs.stdout, /^wpb-db-1 {2}\| db ready$/m);

    // labels match docker compose v2, so other tools see the project
    const labels = JSON.parse(await d.ok(['inspect', '--format', '{{json .Config.Labels}}', 'wpb-db-1'])) as Record<string, string>;
    assert.equal(labels['com.docker.compose.project'], 'wpb');
    assert.equal(labels['com.docker.compose.service'], 'db');
    assert.equal(labels['com.docker.compose.container-number'], '1');
    assert.equal(labels['com.docker.compose.oneoff'], 'False');
    assert.match(labels['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
    assert.equal(labels['com.docker.compose.project.working_dir'], dir);

    // the other read-only views and a one-off container
    assert.equal((await berth(['-p', 'wpb', 'port', 'web', '80'])).stdout, '0.0.0.0:8080\n');
    assert.match((await berth(['ls'])).stdout, /^wpb\s+running\(2\)\s+.*docker-compose\.yml$/m);
    assert.match((await berth(['-p', 'wpb', 'images'])).stdout, /wpb-web-1\s+wpb-web\s+latest\s+[0-9a-f]{12}/);
    assert.match((await berth(['-p', 'wpb', 'top', 'db'])).stdout, /wpb-db-1\n.*PID.*\n(.*\n)*.*sleep 600/);
    const oneOff = await berth(['-p', 'wpb', 'run', '--rm', '-T', '-e', 'X=from-run', 'db', 'sh', '-c', 'echo $X $DB_PASSWORD']);
    assert.equal(oneOff.stdout, 'from-run example-password\n', oneOff.stderr);
    assert.equal((await ids('label=com.docker.compose.oneoff=True')).length, 0);
    const config = await berth(['-p', 'wpb', 'config']);
    assert.match(config.stdout, /^name: wpb\nservices:\n {2}db:\n/);
    assert.match(config.stdout, /published: "8080"/);

    // an unchanged file recreates nothing; a changed environment recreates web only
    const [db1] = await ids('name=wpb-db-1');
    const [web1] = await ids('name=wpb-web-1');
    const again = await berth(['-p', 'wpb', 'up', '-d']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([await ids('name=wpb-db-1'), await ids('name=wpb-web-1')], [[db1], [web1]]);
    const file = join(dir, 'docker-compose.yml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('    build: ./web\n', '    build: ./web\n    environment:\n      GREETING: hello\n'));
    const edited = await berth(['-p', 'wpb', 'up', '-d']);
    assert.equal(edited.code, 0, edited.stderr);
    assert.deepEqual(await ids('name=wpb-db-1'), [db1]);
    const [web2] = await ids('name=wpb-web-1');
    assert.notEqual(web2, web1);
    assert.match(await d.ok(['exec', 'wpb-web-1', 'sh', '-c', 'echo $GREETING']), /hello/);

    // three replicas of web once its host port is no longer fixed (a second file, merged with !override)
    await writeFile(join(dir, 'scale.yml'), 'services:\n  web:\n    ports: !override ["80"]\n');
    const scaled = await berth(['-p', 'wpb', '-f', 'docker-compose.yml', '-f', 'scale.yml', 'up', '-d', '--scale', 'web=3']);
    assert.equal(scaled.code, 0, scaled.stderr);
    const running = await d.ok(['ps', '--filter', 'label=com.docker.compose.service=web', '--format', '{{.Names}}']);
    assert.deepEqual(running.split('\n').sort(), ['wpb-web-1', 'wpb-web-2', 'wpb-web-3']);
    const back = await berth(['-p', 'wpb', '-f', 'docker-compose.yml', '-f', 'scale.yml', 'up', '-d', '--scale', 'web=1']);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await d.ok(['ps', '--filter', 'label=com.docker.compose.service=web', '--format', '{{.Names}}']), 'wpb-web-1');

    const stop = await berth(['-p', 'wpb', 'stop']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stderr, /wpb-web-1  Stopped\n.*wpb-db-1  Stopped/s);
    assert.equal(await d.ok(['ps', '-q']), '');
    const start = await berth(['-p', 'wpb', 'start']);
    assert.equal(start.code, 0, start.stderr);
    assert.equal((await d.ok(['ps', '-q'])).split('\n').length, 2);

    const down = await berth(['-p', 'wpb', 'down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    await nothingLeft();
  });

  test('projects are shared with docker-compose 1.29', async () => {
    const env = { ...d.env, WEB_PORT: '0', COMPOSE_INTERACTIVE_NO_CLI: '1' };
    const v1 = (args: string[]) => run('docker-compose', ['--project-name', 'wpv1', ...args], { env, timeoutMs: 120_000, cwd: dir });
    await writeFile(join(dir, 'docker-compose.yml'), (await readFile(join(REPO, 'test/fixtures/compose/wordpress-like/docker-compose.yml'), 'utf8')).replace('"${WEB_PORT:-8080}:80"', '"80"'));
    const up = await v1(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const ps = await berth(['-p', 'wpv1', 'ps', '--format', '{{.Service}} {{.State}}']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.deepEqual(ps.stdout.trim().split('\n').sort(), ['db running', 'web running']);
    const down = await berth(['-p', 'wpv1', 'down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    await nothingLeft();

    const mine = await berth(['-p', 'wpv1', 'up', '-d']);
    assert.equal(mine.code, 0, mine.stderr);
    const v1ps = await v1(['ps', '--services']);
    assert.deepEqual(v1ps.stdout.trim().split('\n').sort(), ['db', 'web']);
    const v1down = await v1(['down', '-v']);
    assert.equal(v1down.code, 0, v1down.stderr);
    await nothingLeft();
  });

  test('bad input is named and creates nothing', async () => {
    const cases: [string, string, RegExp][] = [
      ['syntax.yml', 'services:\n  web:\n    image: [busybox\n', /syntax\.yml: yaml: line \d+, column \d+/],
      ['unknown.yml', 'services:\n  web:\n    image: busybox\n    imagee: busybox\n', /unknown\.yml: services\.web additional properties 'imagee' not allowed/],
      ['missing.yml', 'services:\n  web:\n    image: "${TAG:?set TAG first}"\n', /missing\.yml: services\.web\.image: required variable TAG is missing a value: set TAG first/],
      ['cycle.yml', 'services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n', /cycle\.yml: dependency cycle detected: (a -> b -> a|b -> a -> b)/],
    ];
    for (const [name, text, expected] of cases) {
      await writeFile(join(dir, name), text);
      const r = await berth(['-f', name, '-p', 'bad', 'up', '-d']);
      assert.notEqual(r.code, 0, name);
      assert.match(r.stderr, expected, name);
    }
    const taken = await listen();
    try {
      const port = (taken.address() as { port: number }).port;
      await writeFile(join(dir, 'port.yml'), `services:\n  a:\n    image: busybox\n    command: sleep 60\n  b:\n    image: busybox\n    command: sleep 60\n    ports: ["${port}:80"]\nvolumes:\n  v: {}\n`);
      const r = await berth(['-f', 'port.yml', '-p', 'bad', 'up', '-d']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`port\\.yml: services\\.b\\.ports: Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
    } finally {
      taken.close();
    }
    await nothingLeft();
  });
});
