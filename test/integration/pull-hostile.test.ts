/**
 * Pulling hostile layers (issue 5's bad input): a registry on loopback (Berth's own server, in process) serves
 * images whose layer tars try to write outside the layer: `../` names, a symlink to a host directory followed by
 * a write through it, a hardlink to a host file. `docker pull` against berthd must fail, store no image and no
 * layer, and create nothing outside the store; so must a manifest that does not match the digest pulled by. A
 * well-formed image pulled afterwards works.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRegistryServer, type RunningRegistry } from '../../src/registry/server/index.ts';
import type { Logger } from '../../src/lib/index.ts';
import { buildTar, type TarEntry } from '../../src/storage/test-tar.ts';
import { Daemon, exists } from './harness.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } } as unknown as Logger;
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('pull: hostile layer tars are refused and leave nothing behind', () => {
  let d: Daemon;
  let root: string;
  let srv: RunningRegistry;
  let host: string;
  const mark = randomBytes(4).toString('hex');
  const outside = join(tmpdir(), `berth-hostile-${mark}`);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-hostile-reg-'));
    srv = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root });
    host = new URL(srv.url).host;
    d = await Daemon.start();
  });
  after(async () => {
    await d?.stop();
    await srv?.close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  /** Pushes a one-layer OCI image made of `entries` with raw registry calls; returns its reference. */
  const pushImage = async (repo: string, entries: TarEntry[]): Promise<string> => {
    const tar = await buildTar(entries);
    const layer = gzipSync(tar);
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [sha(tar)] },
      history: [{ created_by: 'hostile' }],
    }));
    for (const blob of [layer, config]) {
      const up = await fetch(`${srv.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      assert.equal(up.status, 202);
      const loc = new URL(up.headers.get('location')!, srv.url);
      loc.searchParams.set('digest', sha(blob));
      const put = await fetch(loc, { method: 'PUT', body: blob, headers: { 'Content-Type': 'application/octet-stream' } });
      assert.equal(put.status, 201, await put.text());
    }
    const manifest = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
    });
    const put = await fetch(`${srv.url}/v2/${repo}/manifests/v1`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(put.status, 201, await put.text());
    return `${host}/${repo}:v1`;
  };

  const assertNothingStored = async () => {
    assert.equal(await d.ok(['images', '-aq']), '');
    assert.deepEqual(await d.snapshotKeys(), [], 'no layer snapshot');
    assert.deepEqual(await readdir(join(d.dataRoot, 'content/ingest')).catch(() => []), [], 'no partial blob');
    assert.ok(!exists(outside), `${outside} must not exist`);
  };

  const cases: [string, TarEntry[]][] = [
    ['a ../ name climbing out of the layer', [
      { name: 'ok.txt', body: 'fine' },
      { name: `../../../../../../../..${outside}`, body: 'escaped' },
    ]],
    ['a symlink to a host directory, then a file written through it', [
      { name: 'evil', type: 'symlink', linkname: tmpdir() },
      { name: `evil/berth-hostile-${mark}`, body: 'escaped' },
    ]],
    ['a hardlink to a host file', [
      { name: 'passwd', type: 'link', linkname: '/etc/passwd' },
      { name: `../berth-hostile-${mark}`, type: 'link', linkname: 'passwd' },
    ]],
  ];
  for (const [what, entries] of cases) {
    test(what, async () => {
      const ref = await pushImage(`hostile/${what.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`, entries);
      const r = await d.docker(['pull', ref]);
      assert.notEqual(r.code, 0, `pull of ${what} must fail:\n${r.stdout}`);
      assert.match(r.stderr, /invalid tar entry/);
      await assertNothingStored();
    });
  }

  test('a manifest whose content does not match the digest asked for is refused', async () => {
    const honest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
    const asked = sha(honest);
    // A registry that answers every manifest request with other bytes than the ones it was asked for.
    const server = createServer((req, res) => {
      if (req.url === '/v2/') { res.writeHead(200, { 'Docker-Distribution-API-Version': 'registry/2.0' }).end('{}'); return; }
      const tampered = Buffer.from(honest.toString().replace('"layers":[]', '"layers": []'));
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': asked }).end(req.method === 'HEAD' ? undefined : tampered);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await d.docker(['pull', `127.0.0.1:${port}/tampered/image@${asked}`]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`manifest verification failed for digest ${asked}`));
      await assertNothingStored();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('an absolute name stays inside the layer; a well-formed image pulls and runs after the refusals', async () => {
    const busybox = await d.importBusybox();
    await d.ok(['rmi', busybox]);
    const ref = await pushImage('fine/abs', [{ name: 'etc/', type: 'directory' }, { name: `/etc/berth-abs-${mark}`, body: 'inside' }]);
    await d.ok(['pull', ref]);
    assert.ok(!exists(`/etc/berth-abs-${mark}`), 'an absolute entry name must not reach the host');
    const id = await d.ok(['create', ref, 'true']);
    const out = await d.docker(['cp', `${id}:/etc/berth-abs-${mark}`, '-']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /inside/);
    await d.ok(['rm', id]);
    await d.ok(['rmi', ref]);
  });
});
