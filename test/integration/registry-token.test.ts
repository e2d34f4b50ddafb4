/**
 * Token authentication, the way Docker Hub does it, end to end: `berth-registry serve --htpasswd F --token-auth`
 * answers 401 with a Bearer challenge (realm, service, scope), issues HS256 tokens from its /token endpoint to
 * htpasswd users, and accepts a token only for what it grants. berthd's registry client follows the flow for
 * `docker login`, push and pull.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, REPO, run, freePort } from './harness.ts';


const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('registry token authentication (Bearer challenge, /token endpoint, scopes)', () => {
  let dir: string;
  let proc: ChildProcess;
  let host: string;
  let d: Daemon;
  let busyboxId: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-token-'));
    const h = await run('htpasswd', ['-Bbn', 'alice', 's3cret'], {});
    assert.equal(h.code, 0, h.stderr);
    await writeFile(join(dir, 'htpasswd'), h.stdout);
    host = `127.0.0.1:${await freePort()}`;
    proc = spawn(join(REPO, 'bin/berth-registry'), ['serve', '--addr', host, '--root', join(dir, 'root'), '--htpasswd', join(dir, 'htpasswd'), '--token-auth', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (b) => (out += b));
    proc.stderr!.on('data', (b) => (out += b));
    for (let i = 0; i < 200 && !out.includes(host); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, new RegExp(host), out);
    d = await Daemon.start();
    busyboxId = await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const token = async (scope: string, auth = basic('alice', 's3cret')) => {
    const res = await fetch(`http://${host}/token?service=berth-registry&scope=${encodeURIComponent(scope)}`, { headers: { Authorization: auth } });
    return { status: res.status, body: await res.json() as { token?: string; access_token?: string; expires_in?: number } };
  };

  test('challenges, the token endpoint and what a token grants', async () => {
    const base = await fetch(`http://${host}/v2/`);
    assert.equal(base.status, 401);
    assert.equal(base.headers.get('www-authenticate'), `Bearer realm="http://${host}/token",service="berth-registry"`);
    const repo = await fetch(`http://${host}/v2/team/app/tags/list`);
    assert.equal(repo.status, 401);
    assert.match(repo.headers.get('www-authenticate')!, /,scope="repository:team\/app:pull"$/);
    assert.equal((await repo.json() as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');

    assert.equal((await token('repository:team/app:pull', basic('alice', 'wrong'))).status, 401);
    assert.equal((await fetch(`http://${host}/token?service=berth-registry`)).status, 401, 'no anonymous tokens');

    const pull = await token('repository:team/app:pull');
    assert.equal(pull.status, 200);
    assert.equal(pull.body.token, pull.body.access_token);
    assert.equal(pull.body.expires_in, 300);
    const bearer = { Authorization: `Bearer ${pull.body.token}` };
    assert.equal((await fetch(`http://${host}/v2/`, { headers: bearer })).status, 200);
    assert.equal((await fetch(`http://${host}/v2/team/app/tags/list`, { headers: bearer })).status, 404, 'granted: the repository is just empty');
    const push = await fetch(`http://${host}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: bearer });
    assert.equal(push.status, 401, 'a pull token cannot push');
    assert.match(push.headers.get('www-authenticate')!, /scope="repository:team\/app:pull,push"/);
    assert.equal((await fetch(`http://${host}/v2/other/tags/list`, { headers: bearer })).status, 401, 'nor read another repository');
    assert.equal((await fetch(`http://${host}/v2/_catalog`, { headers: bearer })).status, 401);
    const tampered = pull.body.token!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    assert.equal((await fetch(`http://${host}/v2/`, { headers: { Authorization: `Bearer ${tampered}` } })).status, 401);
    assert.equal((await fetch(`http://${host}/v2/`, { headers: { Authorization: basic('alice', 's3cret') } })).status, 401, 'Basic is not accepted by a token registry');
  });

  test('docker login, push, rmi, pull and run through berthd follow the bearer flow', async () => {
    const bad = await d.docker(['login', '-u', 'alice', '--password-stdin', host], { input: 'wrong\n' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, new RegExp(`login attempt to http://${host}/v2/ failed with status: 401 Unauthorized`));
    const name = `${host}/team/busybox:v1`;
    await d.ok(['tag', 'busybox', name]);
    const denied = await d.docker(['push', name]);
    assert.notEqual(denied.code, 0, 'no push without credentials');
    const ok = await d.docker(['login', '-u', 'alice', '--password-stdin', host], { input: 's3cret\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    assert.match(await d.ok(['push', name]), /v1: digest: sha256:/);
    await d.ok(['rmi', name]);
    await d.ok(['pull', name]);
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
    assert.equal(await d.ok(['run', '--rm', name, 'echo', 'pulled with a token']), 'pulled with a token');
    const catalog = await token('registry:catalog:*');
    const list = await fetch(`http://${host}/v2/_catalog`, { headers: { Authorization: `Bearer ${catalog.body.token}` } });
    assert.deepEqual(await list.json(), { repositories: ['team/busybox'] });
    assert.ok(!d.logs.includes('s3cret'), 'the password never appears in the daemon log');
    await d.ok(['logout', host]);
  });
});
