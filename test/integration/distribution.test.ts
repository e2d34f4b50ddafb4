/**
 * Distribution (issue 5), client side: the real docker CLI against berthd, with Debian's docker-registry
 * (distribution 2.8) as an independent registry on 127.0.0.1: push, rmi, pull, run, RepoDigests, registry-mirrors,
 * save/load round trips with the same image ID, a tampered and a missing blob rejected with nothing stored, and
 * login against an htpasswd registry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync, zstdCompressSync } from 'node:zlib';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, exists, run } from './harness.ts';
import { freePort, Registry } from './registry-fixtures.ts';

const skip = exists('/usr/bin/docker-registry') ? false : 'docker-registry (Debian package) is not installed; scripts/install-deps.sh installs it';

describe('distribution: docker CLI, berthd and docker-registry 2.8', { skip }, () => {
  let d: Daemon;
  let reg: Registry;
  let busyboxId: string;
  before(async () => {
    reg = await Registry.start();
    d = await Daemon.start({ args: ['--registry-mirror', `http://${(await Promise.resolve(reg)).host}`] });
    busyboxId = await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
    await reg?.stop();
  });

  test('tag, push, rmi, pull, run', async () => {
    const name = `${reg.host}/team/busybox:v0.0.1`;
    await d.ok(['tag', 'busybox', name]);
    const push = await d.ok(['push', name]);
    assert.match(push, new RegExp(`The push refers to repository \\[${reg.host}/team/busybox\\]`));
    assert.match(push, /: Pushed/);
    const m = /v0\.0\.1: digest: (sha256:[a-f0-9]{64}) size: (\d+)/.exec(push);
    assert.ok(m, push);
    const tags = await (await fetch(`http://${reg.host}/v2/team/busybox/tags/list`)).json() as { tags: string[] };
    assert.deepEqual(tags.tags, ['v0.0.1']);
    // A second push finds every blob there.
    assert.match(await d.ok(['push', name]), /Layer already exists/);

    await d.ok(['rmi', name]);
    const pull = await d.ok(['pull', name]);
    assert.match(pull, /v0\.0\.1: Pulling from team\/busybox/);
    assert.match(pull, new RegExp(`Digest: ${m[1]}`));
    assert.match(pull, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${reg.host}/team/busybox:v0.0.1`));
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
    assert.equal(await d.ok(['inspect', '-f', '{{index .RepoDigests 0}}', name]), `${reg.host}/team/busybox@${m[1]}`);
    assert.match(await d.ok(['pull', name]), /Status: Image is up to date for/);

    // Everything gone, then `docker run` pulls the missing image itself.
    await d.ok(['rmi', '-f', name, 'busybox']);
    assert.equal(await d.ok(['images', '-q']), '');
    const r = await d.docker(['run', '--rm', name, 'echo', 'pulled-and-ran']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Unable to find image/);
    assert.match(r.stderr, /Pull complete/);
    assert.equal(r.stdout.trim(), 'pulled-and-ran');
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);

    // By digest.
    await d.ok(['rmi', name]);
    const byDigest = await d.ok(['pull', `${reg.host}/team/busybox@${m[1]}`]);
    assert.match(byDigest, /Downloaded newer image/);
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', `${reg.host}/team/busybox@${m[1]}`]), busyboxId);
    await d.ok(['tag', busyboxId, 'busybox:latest']);
  });

  test('registry-mirrors: docker.io names resolve on the mirror', async () => {
    await d.ok(['tag', 'busybox', `${reg.host}/library/busybox:mirrored`]);
    await d.ok(['push', `${reg.host}/library/busybox:mirrored`]);
    const pull = await d.ok(['pull', 'busybox:mirrored']);
    assert.match(pull, /mirrored: Pulling from library\/busybox/);
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', 'busybox:mirrored']), busyboxId);
    await d.ok(['rmi', 'busybox:mirrored', `${reg.host}/library/busybox:mirrored`]);
  });

  test('a manifest list with two platforms: default linux/amd64, --platform picks the other', async () => {
    const base = `http://${reg.host}/v2/team/multi`;
    await d.ok(['tag', 'busybox', `${reg.host}/team/multi:amd64`]);
    await d.ok(['push', `${reg.host}/team/multi:amd64`]);
    const V2 = 'application/vnd.docker.distribution.manifest.v2+json';
    const amdRes = await fetch(`${base}/manifests/amd64`, { headers: { Accept: `${V2}, application/vnd.oci.image.manifest.v1+json` } });
    const TYPE = amdRes.headers.get('content-type')!;
    const amdBody = Buffer.from(await amdRes.arrayBuffer());
    const amd = JSON.parse(amdBody.toString()) as { mediaType: string; config: { digest: string; size: number } };
    // The arm64 variant: the same layers under a config that says arm64, pushed with raw HTTP PUTs.
    const config = await (await fetch(`${base}/blobs/${amd.config.digest}`)).json() as Record<string, unknown>;
    const armConfig = Buffer.from(JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' }));
    const armConfigDigest = `sha256:${createHash('sha256').update(armConfig).digest('hex')}`;
    const up = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    assert.equal(up.status, 202);
    const loc = new URL(up.headers.get('location')!, `http://${reg.host}`);
    loc.searchParams.set('digest', armConfigDigest);
    assert.equal((await fetch(loc, { method: 'PUT', body: armConfig, headers: { 'Content-Type': 'application/octet-stream' } })).status, 201);
    const armBody = Buffer.from(JSON.stringify({ ...amd, config: { ...amd.config, digest: armConfigDigest, size: armConfig.length } }));
    assert.equal((await fetch(`${base}/manifests/arm64`, { method: 'PUT', body: armBody, headers: { 'Content-Type': TYPE } })).status, 201);
    const entry = (body: Buffer, architecture: string, variant?: string) => ({
      mediaType: TYPE, size: body.length, digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
      platform: { architecture, os: 'linux', ...(variant ? { variant } : {}) },
    });
    const LIST = TYPE === V2 ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
    const list = { schemaVersion: 2, mediaType: LIST, manifests: [entry(armBody, 'arm64', 'v8'), entry(amdBody, 'amd64')] };
    const put = await fetch(`${base}/manifests/v1`, { method: 'PUT', body: JSON.stringify(list), headers: { 'Content-Type': LIST } });
    assert.equal(put.status, 201, await put.text());

    const name = `${reg.host}/team/multi:v1`;
    await d.ok(['pull', name]);
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
    await d.ok(['rmi', name]);
    await d.ok(['pull', '--platform', 'linux/arm64', name]);
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), armConfigDigest);
    assert.equal(await d.ok(['inspect', '-f', '{{.Os}}/{{.Architecture}}/{{.Variant}}', name]), 'linux/arm64/v8');
    const miss = await d.docker(['pull', '--platform', 'linux/s390x', name]);
    assert.notEqual(miss.code, 0);
    assert.match(miss.stderr, /no matching manifest for linux\/s390x/);
    await d.ok(['rmi', name, `${reg.host}/team/multi:amd64`]);
  });

  test('chunked upload (PATCH with Content-Range) and cross-repository mount', async () => {
    // A second daemon whose pushes go in 256 KiB PATCH chunks.
    process.env.BERTH_UPLOAD_CHUNK_SIZE = String(256 * 1024);
    const chunked = await Daemon.start().finally(() => delete process.env.BERTH_UPLOAD_CHUNK_SIZE);
    try {
      const id = await chunked.importBusybox();
      const a = `${reg.host}/chunked/a:v1`;
      await chunked.ok(['tag', id, a]);
      assert.match(await chunked.ok(['push', a]), /: Pushed/);
      // The same image named in another repository of the registry: its layer is mounted, not uploaded.
      const b = `${reg.host}/chunked/b:v1`;
      await chunked.ok(['tag', id, b]);
      const push = await chunked.ok(['push', b]);
      assert.match(push, /Mounted from chunked\/a/);
      assert.doesNotMatch(push, /: Pushed/);
      // After a pull the RepoDigest remembers the source repository, so a push elsewhere mounts from it too.
      await chunked.ok(['rmi', '-f', id]);
      await chunked.ok(['pull', a]);
      const c = `${reg.host}/chunked/c:v1`;
      await chunked.ok(['tag', a, c]);
      assert.match(await chunked.ok(['push', c]), /Mounted from chunked\/a/);
      // What docker-registry stored was assembled from the chunks intact: dockerd-compatible pull elsewhere.
      await d.ok(['pull', b]);
      assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', b]), id);
      await d.ok(['rmi', b]);
    } finally {
      await chunked.stop();
    }
  });

  test('zstd layers pull; a truncated layer stores nothing and the next pull resumes cleanly', async () => {
    const base = `http://${reg.host}/v2/team/zstd`;
    const src = `${reg.host}/team/zstd:plain`;
    await d.ok(['tag', 'busybox', src]);
    await d.ok(['push', src]);
    const OCI = 'application/vnd.oci.image.manifest.v1+json';
    const res = await fetch(`${base}/manifests/plain`, { headers: { Accept: `${OCI}, application/vnd.docker.distribution.manifest.v2+json` } });
    const manifest = await res.json() as { layers: { mediaType: string; digest: string; size: number }[] };
    // Re-encode every layer with zstd (Berth pushes it uncompressed or gzip; the diff IDs stay the same).
    const layers = [];
    for (const l of manifest.layers) {
      let raw = Buffer.from(await (await fetch(`${base}/blobs/${l.digest}`)).arrayBuffer());
      if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
      const z = zstdCompressSync(raw);
      const digest = `sha256:${createHash('sha256').update(z).digest('hex')}`;
      const up = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
      const loc = new URL(up.headers.get('location')!, `http://${reg.host}`);
      loc.searchParams.set('digest', digest);
      assert.equal((await fetch(loc, { method: 'PUT', body: z })).status, 201);
      layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest, size: z.length });
    }
    const body = JSON.stringify({ ...manifest, mediaType: OCI, layers });
    assert.equal((await fetch(`${base}/manifests/zst`, { method: 'PUT', body, headers: { 'Content-Type': OCI } })).status, 201);

    const name = `${reg.host}/team/zstd:zst`;
    await d.ok(['rmi', '-f', busyboxId]);
    // Truncate the zstd layer in the registry's storage: the pull fails and leaves nothing half-stored.
    const path = reg.blobPath(layers[0].digest);
    const good = await readFile(path);
    await writeFile(path, good.subarray(0, Math.floor(good.length / 2)));
    try {
      const r = await d.docker(['pull', name]);
      assert.notEqual(r.code, 0);
      assert.equal(await d.ok(['images', '-q']), '');
      assert.ok(!(await readdir(join(d.dataRoot, 'content/blobs/sha256'))).includes(layers[0].digest.slice(7)));
      assert.deepEqual(await readdir(join(d.dataRoot, 'content/ingest')), []);
    } finally {
      await writeFile(path, good);
    }
    assert.match(await d.ok(['pull', name]), /Downloaded newer image/);
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
    assert.equal(await d.ok(['run', '--rm', name, 'echo', 'zstd-ok']), 'zstd-ok');
    await d.ok(['tag', name, 'busybox:latest']);
    await d.ok(['rmi', name]);
  });

  test('`berth registry serve --addr --root`: docker push to it, _catalog and tags/list list it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-cli-registry-'));
    const addr = `127.0.0.1:${await freePort()}`;
    const proc = spawn(join(import.meta.dirname, '../../bin/berth'), ['registry', 'serve', '--addr', addr, '--root', root, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (b) => (out += b));
    proc.stderr!.on('data', (b) => (out += b));
    try {
      for (let i = 0; i < 100 && !out.includes(addr); i++) await new Promise((s) => setTimeout(s, 50));
      assert.match(out, new RegExp(`http://${addr}`));
      const name = `${addr}/team/busybox:v0.0.1`;
      await d.ok(['tag', 'busybox', name]);
      assert.match(await d.ok(['push', name]), /v0\.0\.1: digest: sha256:/);
      assert.deepEqual(await (await fetch(`http://${addr}/v2/_catalog`)).json(), { repositories: ['team/busybox'] });
      assert.deepEqual(await (await fetch(`http://${addr}/v2/team/busybox/tags/list`)).json(), { name: 'team/busybox', tags: ['v0.0.1'] });
      await d.ok(['rmi', name]);
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
      await rm(root, { recursive: true, force: true });
    }
  });

  test('image events: tag, push, pull, save, load, untag as dockerd logs them', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const name = `${reg.host}/team/events:v1`;
    await d.ok(['tag', 'busybox', name]);
    await d.ok(['push', name]);
    await d.ok(['pull', name]);
    const dir = await mkdtemp(join(tmpdir(), 'berth-events-'));
    try {
      await d.ok(['save', '-o', join(dir, 'x.tar'), name]);
      await d.ok(['load', '-i', join(dir, 'x.tar')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await d.ok(['rmi', name]);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const out = await d.ok(['events', '--since', since, '--until', until, '--filter', 'type=image', '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}']);
    const lines = out.split('\n');
    const ref = `${reg.host}/team/events`;
    for (const want of [`tag ${busyboxId} ${ref}:v1`, `push ${ref}:v1 ${ref}`, `pull ${ref}:v1 ${ref}`, `save ${busyboxId} ${busyboxId}`, `load ${busyboxId} ${busyboxId}`, `untag ${busyboxId} ${busyboxId}`]) {
      assert.ok(lines.includes(want), `"${want}" in:\n${out}`);
    }
  });

  test('a missing image fails inside the API with Docker\'s message', async () => {
    const r = await d.docker(['pull', `${reg.host}/team/nope:v1`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`manifest for ${reg.host}/team/nope:v1 not found: manifest unknown`));
  });

  test('save, rmi, load gives back the same image ID (plain and gzip)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-save-'));
    try {
      const tar = join(dir, 'x.tar');
      await d.ok(['save', 'busybox', '-o', tar]);
      const list = (await run('tar', ['tf', tar], {})).stdout.split('\n');
      for (const f of ['manifest.json', 'index.json', 'oci-layout', 'repositories']) assert.ok(list.includes(f), `${f} in ${list.join(' ')}`);
      await d.ok(['rmi', 'busybox']);
      assert.match(await d.ok(['load', '-i', tar]), /Loaded image: busybox:latest/);
      assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', 'busybox']), busyboxId);
      await run('gzip', ['-k', tar], {});
      await d.ok(['rmi', 'busybox']);
      assert.match(await d.ok(['load', '-i', `${tar}.gz`]), /Loaded image: busybox:latest/);
      assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', 'busybox']), busyboxId);
      assert.equal(await d.ok(['run', '--rm', 'busybox', 'echo', 'loaded']), 'loaded');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('load reads OCI archives (skopeo) and xz/zstd-compressed archives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-oci-load-'));
    try {
      const tar = join(dir, 'x.tar');
      await d.ok(['save', 'busybox', '-o', tar]);
      const oci = join(dir, 'oci.tar');
      const copy = await run('skopeo', ['copy', '--quiet', `docker-archive:${tar}`, `oci-archive:${oci}:busybox:oci`], {});
      assert.equal(copy.code, 0, copy.stderr);
      await d.ok(['rmi', 'busybox']);
      // skopeo rewrites the config in OCI form, so the image ID is the digest of the archive's config.
      const config = await run('skopeo', ['inspect', '--raw', '--config', `oci-archive:${oci}:busybox:oci`], {});
      const ociId = `sha256:${createHash('sha256').update(config.stdout).digest('hex')}`;
      assert.match(await d.ok(['load', '-i', oci]), /Loaded image: busybox:oci/);
      assert.match(await d.ok(['images', '-q', '--no-trunc']), new RegExp(ociId));
      assert.equal(await d.ok(['run', '--rm', 'busybox:oci', 'echo', 'oci-loaded']), 'oci-loaded');
      await d.ok(['rmi', '-f', ociId]);
      for (const [tool, ext] of [['xz', 'xz'], ['zstd', 'zst']]) {
        const res = await run(tool, ['-k', '-q', tar], {});
        assert.equal(res.code, 0, res.stderr);
        assert.match(await d.ok(['load', '-i', `${tar}.${ext}`]), /Loaded image: busybox:latest/);
        assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', 'busybox']), busyboxId);
        await d.ok(['rmi', 'busybox']);
      }
      await d.ok(['load', '-i', tar]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a tampered or missing blob is rejected and nothing is stored', async () => {
    const name = `${reg.host}/team/tampered:v1`;
    await d.ok(['tag', 'busybox', name]);
    await d.ok(['push', name]);
    const manifest = await (await fetch(`http://${reg.host}/v2/team/tampered/manifests/v1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).json() as { layers: { digest: string }[] };
    const layer = manifest.layers[0].digest;
    // Take the image away locally, so the layer must come from the registry.
    await d.ok(['rmi', '-f', busyboxId]);
    assert.equal(await d.ok(['images', '-q']), '');
    const path = reg.blobPath(layer);
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[bad.length - 2000] ^= 0xff;
    await writeFile(path, bad);
    try {
      const r = await d.docker(['pull', name]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /digest/);
      assert.equal(await d.ok(['images', '-q']), '');
      const blobs = await readdir(join(d.dataRoot, 'content/blobs/sha256'));
      assert.ok(!blobs.includes(layer.slice(7)), 'tampered blob must not be stored');
      assert.deepEqual(await readdir(join(d.dataRoot, 'content/ingest')), []);
      await rm(path);
      const r2 = await d.docker(['pull', name]);
      assert.notEqual(r2.code, 0);
      assert.equal(await d.ok(['images', '-q']), '');
    } finally {
      await writeFile(path, good);
    }
    await d.ok(['pull', name]);
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
    await d.ok(['tag', name, 'busybox:latest']);
  });

  test('berth CLI: login, push, save, load, logout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-cli-dist-'));
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(htpasswd, (await run('htpasswd', ['-Bbn', 'bob', 'pw-b0b'], {})).stdout);
    const secure = await Registry.start({ htpasswd });
    const env = { ...d.env, BERTH_CONFIG: join(dir, 'cfg') };
    const berth = (args: string[], input?: string) => run(join(import.meta.dirname, '../../bin/berth'), args, { env, input });
    try {
      const name = `${secure.host}/team/cli:v2`;
      await d.ok(['tag', 'busybox', name]);
      const login = await berth(['login', '-u', 'bob', '--password-stdin', secure.host], 'pw-b0b\n');
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /Login Succeeded/);
      const cfg = JSON.parse(await readFile(join(dir, 'cfg', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(cfg.auths[secure.host].auth, 'base64').toString(), 'bob:pw-b0b');
      const push = await berth(['push', name]);
      assert.equal(push.code, 0, push.stderr);
      assert.match(push.stdout, /v2: digest: sha256:[a-f0-9]{64} size: \d+/);
      const tar = join(dir, 'cli.tar');
      assert.equal((await berth(['save', '-o', tar, name])).code, 0);
      await d.ok(['rmi', name]);
      const load = await berth(['load', '-i', tar]);
      assert.equal(load.code, 0, load.stderr);
      assert.match(load.stdout, new RegExp(`Loaded image: ${secure.host}/team/cli:v2`));
      assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
      assert.match((await berth(['logout', secure.host])).stdout, /Removing login credentials/);
      assert.notEqual((await berth(['push', name])).code, 0);
      await d.ok(['rmi', name]);
    } finally {
      await secure.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('login against an htpasswd registry; push needs it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-htpasswd-'));
    const htpasswd = join(dir, 'htpasswd');
    const h = await run('htpasswd', ['-Bbn', 'alice', 's3cret'], {});
    assert.equal(h.code, 0, h.stderr);
    await writeFile(htpasswd, h.stdout);
    const secure = await Registry.start({ htpasswd });
    try {
      const bad = await d.docker(['login', '-u', 'alice', '--password-stdin', secure.host], { input: 'wrong\n' });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, new RegExp(`login attempt to http://${secure.host}/v2/ failed with status: 401 Unauthorized`));
      const name = `${secure.host}/team/busybox:v1`;
      await d.ok(['tag', 'busybox', name]);
      const denied = await d.docker(['push', name]);
      assert.notEqual(denied.code, 0);
      const ok = await d.docker(['login', '-u', 'alice', '--password-stdin', secure.host], { input: 's3cret\n' });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Login Succeeded/);
      assert.match(await d.ok(['push', name]), /v1: digest: sha256:/);
      await d.ok(['rmi', name]);
      await d.ok(['pull', name]);
      assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', name]), busyboxId);
      // Neither plain nor as the Basic header's base64 (the daemon logs at debug level in tests).
      for (const secret of ['s3cret', Buffer.from('alice:s3cret').toString('base64')]) {
        assert.ok(!d.logs.includes(secret), 'credentials never appear in the daemon log');
      }
      await d.ok(['logout', secure.host]);
    } finally {
      await secure.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
