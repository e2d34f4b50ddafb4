/**
 * Distribution (issue 5), the client side: berthd pushes gzip-compressed layers and remembers them (v2metadata),
 * credential helpers in the CLI config for both the docker CLI and the berth CLI, and per-registry TLS from a
 * certs.d directory (extra CAs, client certificates). Registries are docker-registry 2.8 and `berth registry serve`
 * on 127.0.0.1, started by the tests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, exists, REPO, run } from './harness.ts';
import { BerthRegistry, Registry } from './registry-fixtures.ts';

const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
const skip = exists('/usr/bin/docker-registry') ? false : 'docker-registry (Debian package) is not installed; scripts/install-deps.sh installs it';

interface Manifest { mediaType?: string; config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] }

async function manifestOf(reg: Registry, repo: string, ref: string): Promise<Manifest> {
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${ref}`, { headers: { Accept: ACCEPT } });
  assert.equal(res.status, 200);
  return await res.json() as Manifest;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A monolithic blob upload straight to the registry (as another engine would have pushed it). */
async function putBlob(reg: Registry, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const start = await fetch(`http://${reg.host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const loc = new URL(start.headers.get('location')!, `http://${reg.host}`);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  return digest;
}

describe('push compresses layers and remembers them', { skip }, () => {
  let d: Daemon;
  let reg: Registry;
  let busyboxId: string;
  before(async () => {
    reg = await Registry.start();
    d = await Daemon.start();
    busyboxId = await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
    await reg?.stop();
  });

  test('a plain layer goes out as a gzip blob; a second push finds it; rmi, pull and run work', async () => {
    const name = `${reg.host}/gz/busybox:v1`;
    await d.ok(['tag', 'busybox', name]);
    const push = await d.ok(['push', name]);
    assert.match(push, /: Pushed/);
    const digest = /v1: digest: (sha256:[a-f0-9]{64})/.exec(push)![1];

    // The manifest names a gzip layer whose bytes gunzip to the image's diff id.
    const m = await manifestOf(reg, 'gz/busybox', 'v1');
    assert.equal(m.layers.length, 1);
    assert.match(m.layers[0].mediaType, /tar\+gzip$|tar\.gzip$/);
    const blob = Buffer.from(await (await fetch(`http://${reg.host}/v2/gz/busybox/blobs/${m.layers[0].digest}`)).arrayBuffer());
    assert.equal(blob.length, m.layers[0].size);
    assert.deepEqual([...blob.subarray(0, 2)], [0x1f, 0x8b]);
    const plain = gunzipSync(blob);
    assert.ok(blob.length < plain.length, 'busybox compresses');
    const config = await (await fetch(`http://${reg.host}/v2/gz/busybox/blobs/${m.config.digest}`)).json() as { rootfs: { diff_ids: string[] } };
    assert.equal(`sha256:${createHash('sha256').update(plain).digest('hex')}`, config.rootfs.diff_ids[0]);

    // The mapping diff id -> gzip blob is on disk; a second push compresses nothing and sends the same manifest.
    const meta = JSON.parse(await readFile(join(d.dataRoot, 'distribution/v2metadata.json'), 'utf8')) as { layers: Record<string, { digest: string; repos: string[] }[]> };
    assert.equal(meta.layers[config.rootfs.diff_ids[0]][0].digest, m.layers[0].digest);
    assert.deepEqual(meta.layers[config.rootfs.diff_ids[0]][0].repos, [`${reg.host}/gz/busybox`]);
    const again = await d.ok(['push', name]);
    assert.match(again, /Layer already exists/);
    assert.doesNotMatch(again, /Pushed/);
    assert.match(again, new RegExp(`v1: digest: ${digest}`));

    await d.ok(['rmi', '-f', name, 'busybox']);
    const pull = await d.ok(['pull', name]);
    assert.match(pull, new RegExp(`Digest: ${digest}`));
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
    assert.equal(await d.ok(['run', '--rm', name, 'echo', 'from-gzip']), 'from-gzip');
  });

  test('a pulled image pushed to another repository is mounted, with the same manifest digest', async () => {
    const src = `${reg.host}/gz/busybox:v1`;
    const dst = `${reg.host}/mounted/busybox:v1`;
    await d.ok(['tag', src, dst]);
    const push = await d.ok(['push', dst]);
    assert.match(push, /Mounted from gz\/busybox/);
    assert.doesNotMatch(push, /Pushed/);
    const srcDigest = (await fetch(`http://${reg.host}/v2/gz/busybox/manifests/v1`, { method: 'HEAD', headers: { Accept: ACCEPT } })).headers.get('docker-content-digest');
    assert.match(push, new RegExp(`v1: digest: ${srcDigest}`));
  });

  test('a plain layer pushed before is mounted into a new repository from the v2metadata map alone', async () => {
    // Only the re-imported image (same layer, no name in the registry) is left: its record knows no other repository.
    await d.ok(['rmi', '-f', `${reg.host}/gz/busybox:v1`, `${reg.host}/mounted/busybox:v1`]);
    await d.importBusybox();
    const name = `${reg.host}/fresh/busybox:v1`;
    await d.ok(['tag', 'busybox', name]);
    const push = await d.ok(['push', name]);
    assert.match(push, /Mounted from (gz|mounted)\/busybox/);
    const m = await manifestOf(reg, 'fresh/busybox', 'v1');
    assert.equal(m.layers[0].digest, (await manifestOf(reg, 'gz/busybox', 'v1')).layers[0].digest);
  });

  test('a layer pulled as some other gzip blob is pushed as that very blob, mounted from where it was pulled', async () => {
    // A busybox image compressed at gzip -9 (not as Berth compresses), put into the registry directly.
    const tarPath = join(d.dataRoot, 'foreign-busybox.tar');
    assert.equal((await run('bash', [join(REPO, 'scripts/make-busybox-tar.sh'), tarPath], {})).code, 0);
    const tar = await readFile(tarPath);
    const gz = gzipSync(tar, { level: 9 });
    const layer = await putBlob(reg, 'foreign/base', gz);
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, history: [{ created_by: 'test' }],
    }));
    const configDigest = await putBlob(reg, 'foreign/base', config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layer, size: gz.length }],
    }));
    const put = await fetch(`http://${reg.host}/v2/foreign/base/manifests/v1`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(put.status, 201);

    // Pull it, add a layer with `docker commit`, push the result to another repository.
    await d.ok(['pull', `${reg.host}/foreign/base:v1`]);
    await d.ok(['run', '--name', 'layered', `${reg.host}/foreign/base:v1`, 'sh', '-c', 'echo added > /added.txt']);
    await d.ok(['commit', 'layered', `${reg.host}/app/layered:v1`]);
    await d.ok(['rm', 'layered']);
    const push = await d.ok(['push', `${reg.host}/app/layered:v1`]);
    assert.match(push, /Mounted from foreign\/base/);
    assert.match(push, /Pushed/);
    const m = await manifestOf(reg, 'app/layered', 'v1');
    assert.equal(m.layers.length, 2);
    assert.equal(m.layers[0].digest, layer, 'the base layer is the blob it was pulled as');
    assert.match(m.layers[1].mediaType, /gzip$/);
    await d.ok(['rmi', `${reg.host}/app/layered:v1`, `${reg.host}/foreign/base:v1`]);
  });
});

/**
 * A docker-credential-helpers implementation for tests: credentials as one JSON file per server in `dir`, every
 * call (action and server, never the secret) appended to dir/calls.log.
 */
async function writeTestHelper(binDir: string, dir: string): Promise<void> {
  const script = `#!${process.execPath}
const fs = require('node:fs');
const dir = ${JSON.stringify(dir)};
const action = process.argv[2];
const input = fs.readFileSync(0, 'utf8');
const file = (server) => dir + '/' + Buffer.from(server.trim()).toString('hex') + '.json';
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (action === 'store') {
  const c = JSON.parse(input);
  fs.appendFileSync(dir + '/calls.log', 'store ' + c.ServerURL + '\\n');
  fs.writeFileSync(file(c.ServerURL), JSON.stringify(c));
} else if (action === 'get') {
  fs.appendFileSync(dir + '/calls.log', 'get ' + input.trim() + '\\n');
  if (!fs.existsSync(file(input))) notFound();
  process.stdout.write(fs.readFileSync(file(input)));
} else if (action === 'erase') {
  fs.appendFileSync(dir + '/calls.log', 'erase ' + input.trim() + '\\n');
  if (!fs.existsSync(file(input))) notFound();
  fs.unlinkSync(file(input));
} else if (action === 'list') {
  const out = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) { const c = JSON.parse(fs.readFileSync(dir + '/' + f, 'utf8')); out[c.ServerURL] = c.Username; }
  process.stdout.write(JSON.stringify(out));
} else { process.stdout.write('unknown action\\n'); process.exit(1); }
`;
  await writeFile(join(binDir, 'docker-credential-berthtest'), script);
  await chmod(join(binDir, 'docker-credential-berthtest'), 0o755);
}

describe('credential helpers (credsStore, credHelpers) for the docker and berth CLIs', { skip }, () => {
  let d: Daemon;
  let reg: Registry;
  let dir: string;
  let busyboxId: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-creds-'));
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'store'));
    await writeTestHelper(join(dir, 'bin'), join(dir, 'store'));
    const h = await run('htpasswd', ['-Bbn', 'alice', 'hunter2-secret'], {});
    assert.equal(h.code, 0, h.stderr);
    await writeFile(join(dir, 'htpasswd'), h.stdout);
    reg = await Registry.start({ htpasswd: join(dir, 'htpasswd') });
    d = await Daemon.start();
    busyboxId = await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const calls = async () => (await readFile(join(dir, 'store/calls.log'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

  for (const cli of ['docker', 'berth'] as const) {
    test(`${cli}: login stores through the helper, push and pull get from it, logout erases`, async () => {
      const cfgDir = join(dir, `${cli}-config`);
      await mkdir(cfgDir);
      // docker: one helper for every registry; berth: a per-registry helper.
      const cfg = cli === 'docker' ? { credsStore: 'berthtest' } : { credHelpers: { [reg.host]: 'berthtest' } };
      await writeFile(join(cfgDir, 'config.json'), JSON.stringify(cfg));
      const env = { ...d.env, DOCKER_CONFIG: cfgDir, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
      const exe = cli === 'docker' ? 'docker' : join(REPO, 'bin/berth');
      // stdin closed: docker 28 offers an interactive login when a registry refuses it.
      const cmd = (args: string[], input = '') => run(exe, args, { env, input });
      await rm(join(dir, 'store/calls.log'), { force: true });

      const name = `${reg.host}/${cli}/busybox:v1`;
      assert.equal((await cmd(['tag', 'busybox', name])).code, 0);
      const denied = await cmd(['push', name]);
      assert.notEqual(denied.code, 0, 'the registry wants credentials');
      assert.match(denied.stderr + denied.stdout, /unauthorized: authentication required/);
      const login = await cmd(['login', '-u', 'alice', '--password-stdin', reg.host], 'hunter2-secret\n');
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /Login Succeeded/);
      assert.ok((await calls()).includes(`store ${reg.host}`), (await calls()).join(','));
      // The secret is in the helper's store only: config.json keeps an empty entry.
      const file = await readFile(join(cfgDir, 'config.json'), 'utf8');
      assert.doesNotMatch(file, /hunter2|YWxpY2U6aHVudGVy/);
      assert.deepEqual((JSON.parse(file) as { auths: Record<string, unknown> }).auths[reg.host], {});

      const push = await cmd(['push', name]);
      assert.equal(push.code, 0, push.stderr);
      assert.match(push.stdout, /v1: digest: sha256:/);
      assert.ok((await calls()).includes(`get ${reg.host}`));
      assert.equal((await cmd(['rmi', name])).code, 0);
      const pull = await cmd(['pull', name]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);

      const logout = await cmd(['logout', reg.host]);
      assert.equal(logout.code, 0, logout.stderr);
      assert.match(logout.stdout, new RegExp(`Removing login credentials for ${reg.host}`));
      assert.ok((await calls()).includes(`erase ${reg.host}`));
      const refused = await cmd(['pull', name]);
      assert.notEqual(refused.code, 0, 'no credentials after logout');
      assert.match(refused.stderr, new RegExp(`pull access denied for ${reg.host}/${cli}/busybox, repository does not exist or may require 'docker login'`));
      assert.ok(!d.logs.includes('hunter2'), 'credentials never appear in the daemon log');
      assert.equal((await cmd(['rmi', name])).code, 0);
    });
  }

  test('a credential helper that is not installed: login fails with the docker CLI\'s message, for both CLIs', async () => {
    for (const cli of ['docker', 'berth'] as const) {
      const cfgDir = join(dir, `${cli}-missing-helper`);
      await mkdir(cfgDir);
      await writeFile(join(cfgDir, 'config.json'), JSON.stringify({ credsStore: 'berth-missing' }));
      const r = await run(cli === 'docker' ? 'docker' : join(REPO, 'bin/berth'), ['login', '-u', 'alice', '--password-stdin', reg.host], {
        env: { ...d.env, DOCKER_CONFIG: cfgDir }, input: 'hunter2-secret\n',
      });
      assert.notEqual(r.code, 0, cli);
      assert.match(r.stderr, /Error saving credentials: error storing credentials - err: exec: "docker-credential-berth-missing": executable file not found in \$PATH/, `${cli}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr + r.stdout, /hunter2/);
    }
  });
});

/** A CA and certificates it signs, made with openssl (EC keys: quick). */
async function makeCa(dir: string, name: string): Promise<{ crt: string; key: string; issue: (cn: string, ext: string) => Promise<{ crt: string; key: string }> }> {
  const sh = async (args: string[]) => {
    const r = await run('openssl', args, {});
    assert.equal(r.code, 0, r.stderr);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await sh(['req', '-x509', ...ec, '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${name}`]);
  return {
    crt, key,
    issue: async (cn, ext) => {
      const base = join(dir, cn.replace(/[^\w]/g, '_'));
      await writeFile(`${base}.ext`, ext);
      await sh(['req', ...ec, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`]);
      await sh(['x509', '-req', '-in', `${base}.csr`, '-CA', crt, '-CAkey', key, '-CAcreateserial', '-out', `${base}.crt`, '-days', '2', '-extfile', `${base}.ext`]);
      return { crt: `${base}.crt`, key: `${base}.key` };
    },
  };
}

describe('certs.d: per-registry CAs and client certificates', { skip: exists('/usr/bin/openssl') ? false : 'openssl is not installed' }, () => {
  let d: Daemon;
  let dir: string;
  let certsDir: string;
  const registries: BerthRegistry[] = [];
  let serverCa: Awaited<ReturnType<typeof makeCa>>;
  let server: { crt: string; key: string };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-certsd-'));
    certsDir = join(dir, 'certs.d');
    await mkdir(certsDir);
    serverCa = await makeCa(dir, 'berth-test-server-ca');
    server = await serverCa.issue('127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    d = await Daemon.start({ args: ['--certs-dir', certsDir] });
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
    for (const r of registries) await r.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a registry whose CA is not trusted is refused with x509: certificate signed by unknown authority; its ca.crt in certs.d makes push and pull work', async () => {
    const reg = await BerthRegistry.start(['--tls-cert', server.crt, '--tls-key', server.key]);
    registries.push(reg);
    const hostDir = join(certsDir, reg.host);
    await mkdir(hostDir);
    const name = `${reg.host}/tls/busybox:v1`;
    await d.ok(['tag', 'busybox', name]);
    const refused = await d.docker(['push', name]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /tls: failed to verify certificate: x509: certificate signed by unknown authority/);
    const pullRefused = await d.docker(['pull', name]);
    assert.match(pullRefused.stderr, /x509: certificate signed by unknown authority/);

    await writeFile(join(hostDir, 'ca.crt'), await readFile(serverCa.crt));
    assert.match(await d.ok(['push', name]), /v1: digest: sha256:/);
    await d.ok(['rmi', name]);
    await d.ok(['pull', name]);
    assert.equal(await d.ok(['run', '--rm', name, 'echo', 'over-tls']), 'over-tls');
    await d.ok(['rmi', name]);
  });

  test('a registry that wants a client certificate refuses a client without one; certs.d client.cert and client.key get through', async () => {
    const clientCa = await makeCa(dir, 'berth-test-client-ca');
    const client = await clientCa.issue('berth-client', 'extendedKeyUsage=clientAuth\n');
    const reg = await BerthRegistry.start(['--tls-cert', server.crt, '--tls-key', server.key, '--tls-client-ca', clientCa.crt]);
    registries.push(reg);
    const hostDir = join(certsDir, reg.host);
    await mkdir(hostDir);
    await writeFile(join(hostDir, 'ca.crt'), await readFile(serverCa.crt));
    const name = `${reg.host}/mtls/busybox:v1`;
    await d.ok(['tag', 'busybox', name]);
    const refused = await d.docker(['push', name]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /remote error: tls: certificate required|remote error: tls: bad certificate/);

    // A client certificate signed by another CA is refused too.
    const stranger = await serverCa.issue('stranger', 'extendedKeyUsage=clientAuth\n');
    await writeFile(join(hostDir, 'client.cert'), await readFile(stranger.crt));
    await writeFile(join(hostDir, 'client.key'), await readFile(stranger.key));
    assert.notEqual((await d.docker(['push', name])).code, 0);

    await writeFile(join(hostDir, 'client.cert'), await readFile(client.crt));
    await writeFile(join(hostDir, 'client.key'), await readFile(client.key));
    assert.match(await d.ok(['push', name]), /v1: digest: sha256:/);
    await d.ok(['rmi', name]);
    await d.ok(['pull', name]);
    assert.equal(await d.ok(['run', '--rm', name, 'echo', 'mutual-tls']), 'mutual-tls');

    // A .cert without its .key is an error, as in Docker.
    await rm(join(hostDir, 'client.key'));
    const broken = await d.docker(['pull', name]);
    assert.notEqual(broken.code, 0);
    assert.match(broken.stderr, /missing key client\.key for client certificate client\.cert/);
  });
});
