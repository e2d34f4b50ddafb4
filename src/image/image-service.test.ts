import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execFile } from '../lib/exec.ts';
import { isConflict, isInvalidArgument, isNotFound } from '../lib/errdefs.ts';
import { isMountPoint } from '../storage/index.ts';
import { buildTar } from '../storage/test-tar.ts';
import { ImageService } from './image-service.ts';

/** A busybox rootfs tar (~2 MB), like the project's test image. */
async function busyboxTar(base: string, compress?: string): Promise<string> {
  const root = join(base, `rootfs-${compress ?? "plain"}`);
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'etc'));
  await copyFile('/bin/busybox', join(root, 'bin/busybox'));
  for (const a of ['sh', 'ls', 'cat', 'echo', 'true']) await symlink('busybox', join(root, 'bin', a));
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  const out = join(base, `busybox.tar${compress ? '.' + compress : ''}`);
  await execFile('tar', ['-C', root, ...(compress === 'xz' ? ['-J'] : compress === 'gz' ? ['-z'] : []), '-cf', out, '.']);
  return out;
}

test('image service: import, list, inspect, tag, container layer, remove', async () => {
  const base = await mkdtemp(join(tmpdir(), 'berth-img-'));
  const dataRoot = join(base, 'data');
  const target = join(base, 'mnt');
  await mkdir(target);
  const events: string[] = [];
  try {
    const svc = await ImageService.open({ dataRoot, events: { emit: (a) => events.push(a) } });
    const tarPath = await busyboxTar(base);
    const t0 = performance.now();
    const { id } = await svc.importImage(createReadStream(tarPath), { repo: 'busybox', changes: ['CMD ["sh"]', 'ENV A=1'], message: 'Imported from -' });
    const ms = performance.now() - t0;
    console.log(`import of a ${(await readFile(tarPath)).length} byte busybox tar: ${ms.toFixed(1)} ms`);
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(events, ['import', 'tag']);

    const list = await svc.list();
    assert.equal(list.length, 1);
    assert.deepEqual(list[0].RepoTags, ['busybox:latest']);
    assert.ok(list[0].Size > 1_000_000);

    const ins = await svc.inspect('busybox');
    assert.equal(ins.Id, id);
    assert.deepEqual(ins.Config.Cmd, ['sh']);
    assert.deepEqual(ins.Config.Env, ['A=1']);
    assert.equal(ins.Comment, 'Imported from -');
    assert.equal(ins.RootFS.Layers.length, 1);
    assert.equal((await svc.inspect(id.slice(7, 19))).Id, id);
    assert.equal((await svc.inspect(id)).Id, id);
    await assert.rejects(svc.inspect('nope'), { message: 'No such image: nope:latest' });
    await assert.rejects(svc.inspect('Nope'), (e) => isInvalidArgument(e));

    const hist = await svc.history('busybox:latest');
    assert.equal(hist.length, 1);
    assert.equal(hist[0].Id, id);
    assert.equal(hist[0].Comment, 'Imported from -');

    await svc.tag('busybox', 'alpine', '3.19');
    await svc.tag(id, 'localhost:5000/team/bb');
    assert.deepEqual((await svc.inspect('alpine:3.19')).RepoTags.sort(), ['alpine:3.19', 'busybox:latest', 'localhost:5000/team/bb:latest']);
    assert.equal((await svc.list({ filters: new Map([['reference', ['alp*']]]) })).length, 1);
    assert.equal((await svc.list({ filters: new Map([['reference', ['nomatch*']]]) })).length, 0);
    assert.equal((await svc.list({ filters: new Map([['dangling', ['true']]]) })).length, 0);
    assert.deepEqual(await svc.remove('alpine:3.19'), [{ Untagged: 'alpine:3.19' }]);
    assert.deepEqual(await svc.remove('localhost:5000/team/bb'), [{ Untagged: 'localhost:5000/team/bb:latest' }]);

    // A container layer: rw overlay on the image's layer.
    const ctr = 'c'.repeat(64);
    await svc.createContainerLayer(id, ctr);
    await svc.mountContainerLayer(ctr, target);
    await svc.mountContainerLayer(ctr, target);
    assert.ok((await readFile(join(target, 'etc/passwd'), 'utf8')).startsWith('root:'));
    await writeFile(join(target, 'hello.txt'), 'hello');
    await svc.unmountContainerLayer(ctr, target);
    await svc.unmountContainerLayer(ctr, target);
    assert.ok(!(await isMountPoint(target)));
    assert.equal(await svc.containerLayerSize(ctr), 5);

    let running = false;
    svc.setUsageChecker((img) => (img === id ? [{ id: ctr, running }] : []));
    await assert.rejects(svc.remove('busybox'), {
      message: `conflict: unable to remove repository reference "busybox" (must force) - container ${ctr.slice(0, 12)} is using its referenced image ${id.slice(7, 19)}`,
    });
    await assert.rejects(svc.remove(id.slice(7, 19)), {
      message: `conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is being used by stopped container ${ctr.slice(0, 12)}`,
    });
    running = true;
    await assert.rejects(svc.remove(id, { force: true }), (e) => isConflict(e) && /\(cannot be forced\) - image is being used by running container/.test((e as Error).message));
    svc.setUsageChecker(() => []);
    await svc.removeContainerLayer(ctr);
    await svc.removeContainerLayer(ctr);

    const del = await svc.remove('busybox');
    assert.deepEqual(del.slice(0, 2), [{ Untagged: 'busybox:latest' }, { Deleted: id }]);
    await assert.rejects(svc.inspect(id), (e) => isNotFound(e));
    assert.deepEqual(await readdir(join(dataRoot, 'snapshots/overlay/snapshots')), []);
    assert.deepEqual(await readdir(join(dataRoot, 'content/blobs/sha256')), []);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  assert.ok(!(await readFile('/proc/self/mountinfo', 'utf8')).includes(base));
});

test('image service: shared layers, dangling images, prune, compressed imports, reopen', async () => {
  const base = await mkdtemp(join(tmpdir(), 'berth-img-'));
  const dataRoot = join(base, 'data');
  try {
    const svc = await ImageService.open({ dataRoot });
    const plain = await busyboxTar(base);
    await execFile('xz', ['-k', '-T1', plain]);
    await execFile('gzip', ['-k', plain]);
    const [xz, gz] = [`${plain}.xz`, `${plain}.gz`];
    const a = await svc.importImage(createReadStream(xz), { changes: ['CMD ["a"]'] });
    const b = await svc.importImage(createReadStream(gz), { repo: 'bb', tag: 'v1', changes: ['CMD ["b"]'] });
    assert.notEqual(a.id, b.id);
    assert.equal((await readdir(join(dataRoot, 'snapshots/overlay/snapshots'))).length, 1); // one shared layer
    assert.deepEqual((await svc.list({ filters: new Map([['dangling', ['true']]]) })).map((i) => i.Id), [a.id]);
    const reopened = await ImageService.open({ dataRoot });
    assert.equal((await reopened.list()).length, 2);
    const pr = await reopened.prune();
    assert.deepEqual(pr.ImagesDeleted, [{ Deleted: a.id }]);
    assert.equal(pr.SpaceReclaimed, 0); // the layer is still used by bb:v1
    const pr2 = await reopened.prune({ all: true });
    assert.deepEqual(pr2.ImagesDeleted?.slice(0, 2), [{ Untagged: 'bb:v1' }, { Deleted: b.id }]);
    assert.ok(pr2.SpaceReclaimed > 1_000_000);
    assert.deepEqual(await readdir(join(dataRoot, 'snapshots/overlay/snapshots')), []);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('image service: a hostile import fails with invalid-argument and leaves nothing behind', async () => {
  const base = await mkdtemp(join(tmpdir(), 'berth-img-'));
  const dataRoot = join(base, 'data');
  try {
    const svc = await ImageService.open({ dataRoot });
    const bad = await buildTar([{ name: 'l', type: 'symlink', linkname: base }, { name: 'l/pwned', body: 'x' }]);
    await assert.rejects(svc.importImage(Readable.from([bad]), { repo: 'evil' }), (e) => isInvalidArgument(e));
    await assert.rejects(svc.importImage(Readable.from([Buffer.from('not a tar at all, just text'.repeat(40))])), (e) => isInvalidArgument(e));
    await assert.rejects(svc.importImage(Readable.from([Buffer.alloc(0)]), { changes: ['RUN x'] }), { message: 'run is not a valid change command' });
    assert.deepEqual(await svc.list(), []);
    assert.deepEqual(await readdir(join(dataRoot, 'snapshots/overlay/snapshots')), []);
    assert.deepEqual(await readdir(join(dataRoot, 'content/ingest')), []);
    assert.deepEqual(await readdir(join(dataRoot, 'content/blobs/sha256')), []);
    assert.deepEqual(await readdir(base), ['data']);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
