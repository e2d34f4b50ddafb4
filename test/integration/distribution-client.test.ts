/**
 * Distribution (issue 5), the client side: berthd pushes gzip-compressed layers and remembers them (v2metadata),
 * credential helpers in the CLI config for both the docker CLI and the berth CLI, and per-registry TLS from a
 * certs.d directory (extra CAs, client certificates). Registries are docker-registry 2.8 and `berth registry serve`
 * on 127.0.0.1, started by the tests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Daemon, exists } from './harness.ts';
import { Registry } from './registry-fixtures.ts';

const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
const skip = exists('/usr/bin/docker-registry') ? false : 'docker-registry (Debian package) is not installed; scripts/install-deps.sh installs it';

interface Manifest { mediaType?: string; config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] }

async function manifestOf(reg: Registry, repo: string, ref: string): Promise<Manifest> {
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${ref}`, { headers: { Accept: ACCEPT } });
  assert.equal(res.status, 200);
  return await res.json() as Manifest;
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
});
