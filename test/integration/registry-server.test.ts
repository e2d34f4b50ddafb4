/**
 * Berth's registry server (issue 5, part 5) through the raw distribution HTTP API: push and pull (monolithic and
 * chunked uploads, mount, Docker and OCI manifests and indexes), tags/catalog pagination, referrers, the spec's
 * errors for bad input, basic auth with an htpasswd bcrypt entry, read-only mode, an upload continued across a
 * restart, gc, skopeo round trip (when Debian's skopeo is installed), and a 100 MB push+pull throughput figure.
 * Needs no root: the server runs in-process on 127.0.0.1 with a temp root.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { get as httpsGet } from 'node:https';
import { FilesystemDriver, HtpasswdAuthenticator, garbageCollect, startRegistryServer, type RunningRegistry } from '../../src/registry/server/index.ts';
import type { Logger } from '../../src/lib/index.ts';
import { MANIFEST_ACCEPT, ManifestMediaType, parseNextLink } from '../../src/registry/protocol/index.ts';

const execFileP = promisify(execFile);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const sha256 = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An htpasswd entry made by Apache's `htpasswd -nbB -C 10 alice s3cret`. */
const HTPASSWD = 'alice:$2y$10$ejrEZFg1OWOJTBJvr7wvAueJu11igGqJH7rm0w8nysERG3WXbJJRe\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n';

interface Reg {
  url: string;
  req(method: string, path: string, o?: { body?: Uint8Array | string; headers?: Record<string, string> }): Promise<Response>;
}

function client(base: string, auth?: string): Reg {
  return {
    url: base,
    req: (method, path, o = {}) =>
      fetch(path.startsWith('http') ? path : base + path, {
        method,
        body: o.body,
        headers: { ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {}), ...o.headers },
        redirect: 'manual',
      }),
  };
}

async function errorCodes(r: Response): Promise<string[]> {
  const body = (await r.json()) as { errors: { code: string; message: string }[] };
  for (const e of body.errors) assert.equal(typeof e.message, 'string');
  return body.errors.map((e) => e.code);
}

async function pushMonolithic(r: Reg, name: string, blob: Uint8Array): Promise<string> {
  const d = sha256(blob);
  const res = await r.req('POST', `/v2/${name}/blobs/uploads/?digest=${d}`, { body: blob, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(res.status, 201, await res.clone().text());
  assert.equal(res.headers.get('docker-content-digest'), d);
  assert.match(res.headers.get('location') ?? '', new RegExp(`/v2/${name}/blobs/${d}$`));
  return d;
}

async function pushChunked(r: Reg, name: string, blob: Uint8Array, chunk: number): Promise<string> {
  const d = sha256(blob);
  let res = await r.req('POST', `/v2/${name}/blobs/uploads/`);
  assert.equal(res.status, 202);
  assert.equal(res.headers.get('range'), '0-0');
  assert.ok(res.headers.get('docker-upload-uuid'));
  let loc = res.headers.get('location')!;
  assert.match(loc, /\?_state=/);
  for (let off = 0; off < blob.length; off += chunk) {
    const part = blob.subarray(off, Math.min(off + chunk, blob.length));
    res = await r.req('PATCH', loc, { body: part, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${off}-${off + part.length - 1}` } });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(res.headers.get('range'), `0-${off + part.length - 1}`);
    loc = res.headers.get('location')!;
  }
  res = await r.req('GET', loc);
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('range'), `0-${blob.length - 1}`);
  res = await r.req('PUT', `${loc}&digest=${d}`);
  assert.equal(res.status, 201, await res.clone().text());
  assert.equal(res.headers.get('docker-content-digest'), d);
  return d;
}

function imageManifest(mediaType: string, config: { digest: string; size: number }, layers: { digest: string; size: number }[], extra: Record<string, unknown> = {}): string {
  const oci = mediaType === ManifestMediaType.ociManifest;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', ...config },
    layers: layers.map((l) => ({ mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...l })),
    ...extra,
  });
}

async function putManifest(r: Reg, name: string, ref: string, body: string, mediaType: string): Promise<Response> {
  return r.req('PUT', `/v2/${name}/manifests/${ref}`, { body, headers: { 'Content-Type': mediaType } });
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('registry server', () => {
  let root: string;
  let srv: RunningRegistry;
  let r: Reg;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = randomBytes(300_000);
  let configDigest: string;
  let layerDigest: string;
  let dockerManifest: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-registry-'));
    srv = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root });
    r = client(srv.url);
  });
  after(async () => {
    await srv?.close();
    await rm(root, { recursive: true, force: true });
  });

  test('GET /v2/ answers with the API version header', async () => {
    const res = await r.req('GET', '/v2/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(await res.json(), {});
  });

  test('push: monolithic config, chunked layer, Docker schema2 manifest by tag; pull it back', async () => {
    configDigest = await pushMonolithic(r, 'team/img', config);
    layerDigest = await pushChunked(r, 'team/img', layer, 100_000);
    dockerManifest = imageManifest(ManifestMediaType.dockerManifest, { digest: configDigest, size: config.length }, [{ digest: layerDigest, size: layer.length }]);
    const res = await putManifest(r, 'team/img', 'v1', dockerManifest, ManifestMediaType.dockerManifest);
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('docker-content-digest'), sha256(dockerManifest));
    assert.match(res.headers.get('location') ?? '', new RegExp(`/v2/team/img/manifests/${sha256(dockerManifest)}$`));

    for (const ref of ['v1', sha256(dockerManifest)]) {
      const get = await r.req('GET', `/v2/team/img/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT } });
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('content-type'), ManifestMediaType.dockerManifest);
      assert.equal(get.headers.get('docker-content-digest'), sha256(dockerManifest));
      assert.equal(await get.text(), dockerManifest);
    }
    const head = await r.req('HEAD', '/v2/team/img/manifests/v1', { headers: { Accept: ManifestMediaType.dockerManifest } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(dockerManifest)));

    const blob = await r.req('GET', `/v2/team/img/blobs/${layerDigest}`);
    assert.equal(blob.status, 200);
    assert.equal(sha256(Buffer.from(await blob.arrayBuffer())), layerDigest);
    const bhead = await r.req('HEAD', `/v2/team/img/blobs/${layerDigest}`);
    assert.equal(bhead.status, 200);
    assert.equal(bhead.headers.get('content-length'), String(layer.length));
    assert.equal(bhead.headers.get('docker-content-digest'), layerDigest);

    const part = await r.req('GET', `/v2/team/img/blobs/${layerDigest}`, { headers: { Range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${layer.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), layer.subarray(1000, 2000));
    const bad = await r.req('GET', `/v2/team/img/blobs/${layerDigest}`, { headers: { Range: `bytes=${layer.length + 5}-` } });
    assert.equal(bad.status, 416);
    await bad.arrayBuffer();
  });

  test('a blob is only visible in the repositories it was pushed or mounted to; mount links it', async () => {
    let res = await r.req('HEAD', `/v2/other/img/blobs/${layerDigest}`);
    assert.equal(res.status, 404);
    res = await r.req('POST', `/v2/other/img/blobs/uploads/?mount=${layerDigest}&from=team/img`);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('docker-content-digest'), layerDigest);
    res = await r.req('HEAD', `/v2/other/img/blobs/${layerDigest}`);
    assert.equal(res.status, 200);
    // An unknown blob (or source) falls back to an ordinary upload.
    res = await r.req('POST', `/v2/other/img/blobs/uploads/?mount=${sha256('nope')}&from=team/img`);
    assert.equal(res.status, 202);
    assert.ok(res.headers.get('location'));
    await r.req('DELETE', res.headers.get('location')!);
  });

  test('OCI manifest and index; content negotiation; the index falls back to linux/amd64 for a client without lists', async () => {
    const oci = imageManifest(ManifestMediaType.ociManifest, { digest: configDigest, size: config.length }, [{ digest: layerDigest, size: layer.length }]);
    let res = await putManifest(r, 'team/img', 'oci', oci, ManifestMediaType.ociManifest);
    assert.equal(res.status, 201, await res.clone().text());
    const index = JSON.stringify({
      schemaVersion: 2, mediaType: ManifestMediaType.ociIndex,
      manifests: [{ mediaType: ManifestMediaType.ociManifest, digest: sha256(oci), size: Buffer.byteLength(oci), platform: { os: 'linux', architecture: 'amd64' } }],
    });
    res = await putManifest(r, 'team/img', 'multi', index, ManifestMediaType.ociIndex);
    assert.equal(res.status, 201, await res.clone().text());

    res = await r.req('GET', '/v2/team/img/manifests/oci', { headers: { Accept: ManifestMediaType.ociManifest } });
    assert.equal(res.headers.get('content-type'), ManifestMediaType.ociManifest);
    assert.equal(await res.text(), oci);
    res = await r.req('GET', '/v2/team/img/manifests/oci', { headers: { Accept: `${ManifestMediaType.dockerManifest}, ${ManifestMediaType.dockerManifestList}` } });
    assert.equal(res.status, 404);
    assert.deepEqual(await errorCodes(res), ['MANIFEST_UNKNOWN']);
    res = await r.req('GET', '/v2/team/img/manifests/multi', { headers: { Accept: MANIFEST_ACCEPT } });
    assert.equal(res.headers.get('content-type'), ManifestMediaType.ociIndex);
    assert.equal(await res.text(), index);
    res = await r.req('GET', '/v2/team/img/manifests/multi', { headers: { Accept: ManifestMediaType.ociManifest } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), sha256(oci));
    await res.arrayBuffer();
    // An index naming a manifest the repository lacks is refused.
    const dangling = JSON.stringify({ schemaVersion: 2, mediaType: ManifestMediaType.dockerManifestList, manifests: [{ mediaType: ManifestMediaType.dockerManifest, digest: sha256('x'), size: 1 }] });
    res = await putManifest(r, 'team/img', 'dangling', dangling, ManifestMediaType.dockerManifestList);
    assert.equal(res.status, 400);
    assert.deepEqual(await errorCodes(res), ['MANIFEST_BLOB_UNKNOWN']);
  });

  test('a manifest naming a missing blob is rejected with MANIFEST_BLOB_UNKNOWN, one error per blob', async () => {
    const missing1 = sha256('missing-1');
    const missing2 = sha256('missing-2');
    const m = imageManifest(ManifestMediaType.dockerManifest, { digest: configDigest, size: config.length }, [{ digest: missing1, size: 9 }, { digest: missing2, size: 9 }]);
    const res = await putManifest(r, 'team/img', 'broken', m, ManifestMediaType.dockerManifest);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { errors: { code: string; detail: { digest: string } }[] };
    assert.deepEqual(body.errors.map((e) => [e.code, e.detail.digest]), [['MANIFEST_BLOB_UNKNOWN', missing1], ['MANIFEST_BLOB_UNKNOWN', missing2]]);
    assert.equal((await r.req('GET', '/v2/team/img/manifests/broken')).status, 404);
    // A digest reference that does not match the body is DIGEST_INVALID; junk is MANIFEST_INVALID.
    let r2 = await putManifest(r, 'team/img', sha256('other'), dockerManifest, ManifestMediaType.dockerManifest);
    assert.deepEqual(await errorCodes(r2), ['DIGEST_INVALID']);
    r2 = await putManifest(r, 'team/img', 'junk', '{"schemaVersion":1}', ManifestMediaType.dockerManifest);
    assert.deepEqual(await errorCodes(r2), ['MANIFEST_INVALID']);
  });

  test('a blob whose digest does not match is rejected with DIGEST_INVALID and nothing is stored', async () => {
    const data = randomBytes(50_000);
    const wrong = sha256('something else');
    let res = await r.req('POST', '/v2/team/img/blobs/uploads/');
    const loc = res.headers.get('location')!;
    res = await r.req('PATCH', loc, { body: data, headers: { 'Content-Range': `0-${data.length - 1}` } });
    assert.equal(res.status, 202);
    res = await r.req('PUT', `${res.headers.get('location')}&digest=${wrong}`);
    assert.equal(res.status, 400);
    assert.deepEqual(await errorCodes(res), ['DIGEST_INVALID']);
    for (const d of [wrong, sha256(data)]) assert.equal((await r.req('HEAD', `/v2/team/img/blobs/${d}`)).status, 404);
    res = await r.req('GET', loc);
    assert.equal(res.status, 404);
    assert.deepEqual(await errorCodes(res), ['BLOB_UPLOAD_UNKNOWN']);
    const stored = await filesUnder(join(root, 'v1/blobs'));
    assert.ok(!stored.some((f) => f.includes(sha256(data).slice(7)) || f.includes(wrong.slice(7))), stored.join('\n'));
    // Monolithic too.
    res = await r.req('POST', `/v2/team/img/blobs/uploads/?digest=${wrong}`, { body: data });
    assert.deepEqual(await errorCodes(res), ['DIGEST_INVALID']);
    assert.deepEqual(await filesUnder(join(root, 'v1/repositories/team/img/_uploads')), []);
  });

  test('an out-of-order chunk is 416 with the current Range', async () => {
    let res = await r.req('POST', '/v2/team/img/blobs/uploads/');
    let loc = res.headers.get('location')!;
    res = await r.req('PATCH', loc, { body: 'abcd', headers: { 'Content-Range': '0-3' } });
    loc = res.headers.get('location')!;
    res = await r.req('PATCH', loc, { body: 'efgh', headers: { 'Content-Range': '10-13' } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('range'), '0-3');
    assert.deepEqual(await errorCodes(res), ['RANGE_INVALID']);
    res = await r.req('DELETE', loc);
    assert.equal(res.status, 204);
    assert.equal((await r.req('GET', loc)).status, 404);
  });

  test('tags/list and _catalog paginate with n/last and Link', async () => {
    for (const d of [configDigest, layerDigest]) assert.equal((await r.req('POST', `/v2/page/img/blobs/uploads/?mount=${d}&from=team/img`)).status, 201);
    for (const t of ['a', 'b', 'c', 'd']) assert.equal((await putManifest(r, 'page/img', t, dockerManifest, ManifestMediaType.dockerManifest)).status, 201);
    const seen: string[] = [];
    let next: string | undefined = '/v2/page/img/tags/list?n=3';
    let pages = 0;
    while (next) {
      const res = await r.req('GET', next);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { name: string; tags: string[] };
      assert.equal(body.name, 'page/img');
      seen.push(...body.tags);
      next = parseNextLink(res.headers.get('link'));
      pages++;
    }
    assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
    assert.equal(pages, 2);
    const all = (await (await r.req('GET', '/v2/page/img/tags/list')).json()) as { tags: string[] };
    assert.deepEqual(all.tags, ['a', 'b', 'c', 'd']);

    // other/img holds blobs but no manifest: not a repository of the catalog yet.
    let res = await r.req('GET', '/v2/_catalog?n=1');
    assert.deepEqual(((await res.json()) as { repositories: string[] }).repositories, ['page/img']);
    assert.equal(res.headers.get('link'), '</v2/_catalog?n=1&last=page%2Fimg>; rel="next"');
    res = await r.req('GET', `/v2/_catalog?n=1&last=page/img`);
    assert.deepEqual(((await res.json()) as { repositories: string[] }).repositories, ['team/img']);
    assert.equal(res.headers.get('link'), null);
    res = await r.req('GET', '/v2/_catalog');
    const repos = ((await res.json()) as { repositories: string[] }).repositories;
    assert.deepEqual(repos, [...repos].sort());
    assert.ok(repos.includes('team/img') && repos.includes('page/img'));
    res = await r.req('GET', '/v2/_catalog?n=-1');
    assert.deepEqual(await errorCodes(res), ['PAGINATION_NUMBER_INVALID']);
    res = await r.req('GET', '/v2/nope/tags/list');
    assert.equal(res.status, 404);
    assert.deepEqual(await errorCodes(res), ['NAME_UNKNOWN']);
  });

  test('subject and the referrers API', async () => {
    const subject = { mediaType: ManifestMediaType.dockerManifest, digest: sha256(dockerManifest), size: Buffer.byteLength(dockerManifest) };
    const emptyConfig = await pushMonolithic(r, 'team/img', Buffer.from('{}'));
    const sig = JSON.stringify({
      schemaVersion: 2, mediaType: ManifestMediaType.ociManifest, artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyConfig, size: 2 }, layers: [], subject,
      annotations: { 'org.example': 'yes' },
    });
    let res = await putManifest(r, 'team/img', sha256(sig), sig, ManifestMediaType.ociManifest);
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('oci-subject'), subject.digest);
    res = await r.req('GET', `/v2/team/img/referrers/${subject.digest}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), ManifestMediaType.ociIndex);
    const idx = (await res.json()) as { manifests: { digest: string; artifactType: string; annotations: Record<string, string>; size: number }[] };
    assert.deepEqual(idx.manifests.map((m) => [m.digest, m.artifactType, m.size, m.annotations['org.example']]), [[sha256(sig), 'application/vnd.example.sig', Buffer.byteLength(sig), 'yes']]);
    res = await r.req('GET', `/v2/team/img/referrers/${subject.digest}?artifactType=application/other`);
    assert.equal(res.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(((await res.json()) as { manifests: unknown[] }).manifests, []);
  });

  test('invalid names, unknown routes and deletes', async () => {
    let res = await r.req('GET', '/v2/Team/Img/tags/list');
    assert.equal(res.status, 400);
    assert.deepEqual(await errorCodes(res), ['NAME_INVALID']);
    res = await r.req('GET', '/v2/a//b/manifests/latest');
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    res = await r.req('GET', '/nothing');
    assert.equal(res.status, 404);
    await res.arrayBuffer();

    // Delete a tag, then a manifest by digest (its tags go with it), then a blob link.
    const d = sha256(dockerManifest);
    assert.equal((await r.req('DELETE', '/v2/page/img/manifests/a')).status, 202);
    assert.equal((await r.req('GET', '/v2/page/img/manifests/a')).status, 404);
    assert.equal((await r.req('DELETE', `/v2/page/img/manifests/${d}`)).status, 202);
    res = await r.req('GET', '/v2/page/img/tags/list');
    assert.deepEqual(((await res.json()) as { tags: string[] }).tags, []);
    res = await r.req('DELETE', `/v2/page/img/manifests/${d}`);
    assert.equal(res.status, 404);
    assert.deepEqual(await errorCodes(res), ['MANIFEST_UNKNOWN']);
    assert.equal((await r.req('DELETE', `/v2/other/img/blobs/${layerDigest}`)).status, 202);
    res = await r.req('HEAD', `/v2/other/img/blobs/${layerDigest}`);
    assert.equal(res.status, 404);
    res = await r.req('GET', `/v2/other/img/blobs/${layerDigest}`);
    assert.deepEqual(await errorCodes(res), ['BLOB_UNKNOWN']);
  });

  test('gc deletes blobs no manifest references and keeps the rest', async () => {
    const orphan = await pushMonolithic(r, 'team/img', Buffer.from('orphan blob'));
    const pending = await r.req('POST', '/v2/team/img/blobs/uploads/');
    const pendingLoc = pending.headers.get('location')!;
    // An upload younger than the limit survives; with a 0 ms limit it is purged.
    let res = await garbageCollect(new FilesystemDriver(root), { dryRun: true });
    assert.deepEqual(res.purgedUploads, []);
    assert.ok(res.deletedBlobs.includes(orphan));
    assert.equal((await r.req('HEAD', `/v2/team/img/blobs/${orphan}`)).status, 200, 'dry run deletes nothing');
    res = await garbageCollect(new FilesystemDriver(root), { uploadMaxAgeMs: 0, now: new Date(Date.now() + 1000) });
    assert.deepEqual(res.purgedUploads.map((u) => u.repository), ['team/img']);
    assert.equal((await r.req('GET', pendingLoc)).status, 404);
    assert.ok(res.deletedBlobs.includes(orphan), JSON.stringify(res));
    for (const d of [configDigest, layerDigest, sha256(dockerManifest)]) assert.ok(!res.deletedBlobs.includes(d), d);
    assert.equal((await r.req('HEAD', `/v2/team/img/blobs/${orphan}`)).status, 404);
    const pull = await r.req('GET', `/v2/team/img/blobs/${layerDigest}`);
    assert.equal(sha256(Buffer.from(await pull.arrayBuffer())), layerDigest);
  });
});

describe('registry server: auth, read-only, restart', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('htpasswd basic auth: 401 with a Basic challenge until bcrypt or {SHA} credentials are given', async () => {
    const file = join(root, 'htpasswd');
    await writeFile(file, HTPASSWD);
    await using srv = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root: join(root, 'auth'), auth: new HtpasswdAuthenticator(file, { realm: 'Berth Registry' }) });
    for (const c of [client(srv.url), client(srv.url, 'alice:wrong'), client(srv.url, 'mallory:s3cret')]) {
      const res = await c.req('GET', '/v2/');
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Berth Registry"');
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.deepEqual(await errorCodes(res), ['UNAUTHORIZED']);
    }
    const alice = client(srv.url, 'alice:s3cret');
    assert.equal((await alice.req('GET', '/v2/')).status, 200);
    await pushMonolithic(alice, 'private/img', Buffer.from('secret layer'));
    assert.equal((await client(srv.url, 'bob:password').req('GET', '/v2/_catalog')).status, 200);
    assert.equal((await client(srv.url).req('GET', '/v2/_catalog')).status, 401);
  });

  test('TLS: --tls-cert/--tls-key serve HTTPS', async () => {
    const dir = join(root, 'tls');
    await mkdir(dir, { recursive: true });
    await execFileP('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const cert = await readFile(join(dir, 'cert.pem'));
    await using srv = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root: join(dir, 'store'), tls: { cert, key: await readFile(join(dir, 'key.pem')) } });
    assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const { status, headers } = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      httpsGet(`${srv.url}/v2/`, { ca: cert }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      }).on('error', reject);
    });
    assert.equal(status, 200);
    assert.equal(headers['docker-distribution-api-version'], 'registry/2.0');
  });

  test('read-only mode refuses writes with 405 UNSUPPORTED and still serves reads', async () => {
    const dir = join(root, 'ro');
    const blob = Buffer.from('read-only blob');
    {
      await using rw = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root: dir });
      await pushMonolithic(client(rw.url), 'ro/img', blob);
    }
    await using ro = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root: dir, readOnly: true });
    const c = client(ro.url);
    for (const [m, p] of [['POST', '/v2/ro/img/blobs/uploads/'], ['PUT', '/v2/ro/img/manifests/v1'], ['DELETE', `/v2/ro/img/blobs/${sha256(blob)}`]] as const) {
      const res = await c.req(m, p, { body: m === 'PUT' ? '{}' : undefined });
      assert.equal(res.status, 405, `${m} ${p}`);
      assert.deepEqual(await errorCodes(res), ['UNSUPPORTED']);
    }
    const get = await c.req('GET', `/v2/ro/img/blobs/${sha256(blob)}`);
    assert.equal(get.status, 200);
    assert.equal(await get.text(), 'read-only blob');
  });

  test('an upload started before a restart continues after it; a forged state token is refused', async () => {
    const dir = join(root, 'restart');
    const data = randomBytes(2_000_000);
    const half = 1_200_000;
    let loc: string;
    let port: number;
    {
      await using a = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root: dir });
      port = a.port;
      const c = client(a.url);
      let res = await c.req('POST', '/v2/restart/img/blobs/uploads/');
      res = await c.req('PATCH', res.headers.get('location')!, { body: data.subarray(0, half), headers: { 'Content-Range': `0-${half - 1}` } });
      assert.equal(res.status, 202);
      loc = res.headers.get('location')!;
    }
    // Same port so the absolute Location still points at the server; a new process-equivalent (no shared memory).
    await using b = await startRegistryServer({ log: quiet, addr: `127.0.0.1:${port}`, root: dir });
    const c = client(b.url);
    const u = new URL(loc);
    const forged = `${u.origin}${u.pathname}?_state=${encodeURIComponent('e30.' + Buffer.from('nope').toString('base64url'))}`;
    let res = await c.req('PATCH', forged, { body: 'x' });
    assert.equal(res.status, 404);
    assert.deepEqual(await errorCodes(res), ['BLOB_UPLOAD_UNKNOWN']);
    res = await c.req('GET', loc);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('range'), `0-${half - 1}`);
    res = await c.req('PATCH', loc, { body: data.subarray(half), headers: { 'Content-Range': `${half}-${data.length - 1}` } });
    assert.equal(res.status, 202, await res.clone().text());
    res = await c.req('PUT', `${res.headers.get('location')}&digest=${sha256(data)}`);
    assert.equal(res.status, 201, await res.clone().text());
    const got = await c.req('GET', `/v2/restart/img/blobs/${sha256(data)}`);
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), sha256(data));
  });
});

async function haveSkopeo(): Promise<boolean> {
  try {
    await execFileP('skopeo', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** A tiny OCI image layout: one layer tar (one file), config, manifest, index.json, oci-layout. */
async function makeOciLayout(dir: string): Promise<{ manifestDigest: string }> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = sha256(b);
    await writeFile(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  // A one-file ustar archive: 512-byte header, content padded to 512, two zero blocks.
  const content = Buffer.from('hello from berth\n');
  const header = Buffer.alloc(512);
  header.write('hello.txt', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const tar = Buffer.concat([header, content, Buffer.alloc(512 - content.length), Buffer.alloc(1024)]);
  const layer = await put(gzipSync(tar));
  const cfg = await put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, config: { Cmd: ['/bin/sh'] } })));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: ManifestMediaType.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  }));
  const m = await put(manifest);
  await writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: ManifestMediaType.ociIndex,
    manifests: [{ mediaType: ManifestMediaType.ociManifest, ...m, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
  }));
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { manifestDigest: m.digest };
}

describe('registry server: skopeo and a large blob', () => {
  let root: string;
  let srv: RunningRegistry;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-registry-'));
    srv = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root: join(root, 'store') });
  });
  after(async () => {
    await srv?.close();
    await rm(root, { recursive: true, force: true });
  });

  test('skopeo copies an OCI layout into the registry, inspects it, and copies it back out', async (t) => {
    if (!(await haveSkopeo())) {
      t.skip('skopeo is not installed (apt-get install -y skopeo)');
      return;
    }
    const src = join(root, 'src-layout');
    const { manifestDigest } = await makeOciLayout(src);
    const host = new URL(srv.url).host;
    const common = ['--insecure-policy'];
    // --preserve-digests: push the layout's bytes as they are (skopeo may otherwise recompress).
    await execFileP('skopeo', [...common, 'copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${host}/team/img:v1`]);
    const { stdout } = await execFileP('skopeo', [...common, 'inspect', '--tls-verify=false', `docker://${host}/team/img:v1`]);
    const info = JSON.parse(stdout) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, manifestDigest);
    assert.equal(info.Layers.length, 1);
    const tags = (await (await fetch(`${srv.url}/v2/team/img/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['v1']);
    const out = join(root, 'out-layout');
    await execFileP('skopeo', [...common, 'copy', '--preserve-digests', '--src-tls-verify=false', `docker://${host}/team/img:v1`, `oci:${out}:v1`]);
    const idx = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(idx.manifests[0].digest, manifestDigest);
    for (const f of await readdir(join(src, 'blobs', 'sha256'))) {
      assert.deepEqual(await readFile(join(out, 'blobs', 'sha256', f)), await readFile(join(src, 'blobs', 'sha256', f)));
    }
  });

  // A correctness check at a realistic size (timings belong to bench/, not to tests).
  test('a 100 MB blob pushed in one request comes back byte for byte', async () => {
    const size = 100 * 1024 * 1024;
    const data = randomBytes(size);
    const digest = sha256(data);
    const c = client(srv.url);
    let res = await c.req('POST', '/v2/bench/img/blobs/uploads/');
    res = await c.req('PUT', `${res.headers.get('location')}&digest=${digest}`, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(res.status, 201, await res.clone().text());
    res = await c.req('GET', `/v2/bench/img/blobs/${digest}`);
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      n += chunk.byteLength;
    }
    assert.equal(n, size);
    assert.equal(`sha256:${hash.digest('hex')}`, digest);
  });
});
