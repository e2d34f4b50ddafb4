import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OverlaySnapshotter } from './overlay-snapshotter.ts';
import { isMountPoint, mountAll, unmountAll, writableDir } from './mount.ts';
import { isConflict, isNotFound } from '../lib/errdefs.ts';

test('overlay snapshotter: layers, container layer, read-only view, persistence', async () => {
  const base = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  const target = join(base, 'rootfs');
  await mkdir(target);
  try {
    const s = await OverlaySnapshotter.open(join(base, 'overlay'));
    const m0 = await s.prepare('extract-1');
    await writeFile(join(writableDir(m0), 'base.txt'), 'base');
    await s.commit('layer1', 'extract-1', { labels: { a: 'b' } });
    const m1 = await s.prepare('extract-2', 'layer1');
    assert.equal(m1[0].type, 'overlay');
    await writeFile(join(writableDir(m1), 'second.txt'), 'second');
    await s.commit('layer2', 'extract-2');
    assert.equal((await s.stat('layer1')).labels.a, 'b');

    const c = await s.prepare('ctr', 'layer2');
    await mountAll(c, target);
    await mountAll(c, target); // idempotent
    assert.ok(await isMountPoint(target));
    assert.equal(await readFile(join(target, 'base.txt'), 'utf8'), 'base');
    await writeFile(join(target, 'new.txt'), 'rw');
    await unmountAll(target);
    await unmountAll(target);
    assert.ok(!(await isMountPoint(target)));
    assert.deepEqual(await readdir(writableDir(c)), ['new.txt']);
    assert.equal((await s.usage('ctr')).size, 2);

    const v = await s.view('v1', 'layer1');
    assert.deepEqual(v[0].options, ['ro', 'rbind']);
    await mountAll(v, target);
    try {
      assert.equal(await readFile(join(target, 'base.txt'), 'utf8'), 'base');
      await assert.rejects(writeFile(join(target, 'x'), 'x'), { code: 'EROFS' });
    } finally {
      await unmountAll(target);
    }

    await assert.rejects(s.remove('layer1'), (e) => isConflict(e));
    await assert.rejects(s.prepare('ctr', 'layer2'), (e) => isConflict(e));
    await assert.rejects(s.stat('nope'), (e) => isNotFound(e));

    // Reopen: records persist, orphan directories go away.
    await mkdir(join(base, 'overlay', 'snapshots', '999'));
    const s2 = await OverlaySnapshotter.open(join(base, 'overlay'));
    const names: string[] = [];
    await s2.walk(async (i) => { names.push(i.name); });
    assert.deepEqual(names.sort(), ['ctr', 'layer1', 'layer2', 'v1']);
    assert.ok(!(await readdir(join(base, 'overlay', 'snapshots'))).includes('999'));
    for (const k of ['ctr', 'v1', 'layer2', 'layer1']) await s2.remove(k);
    assert.deepEqual(await readdir(join(base, 'overlay', 'snapshots')), []);
  } finally {
    await unmountAll(target);
    await rm(base, { recursive: true, force: true });
  }
});

test('overlay snapshotter: parallel creates get distinct ids; a legacy metadata.json is converted', async () => {
  const base = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  try {
    const root = join(base, 'overlay');
    const s = await OverlaySnapshotter.open(root);
    await s.prepare('l');
    await s.commit('layer', 'l');
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.prepare(`c${i}`, 'layer')));
    const dup = await Promise.allSettled([s.prepare('dup', 'layer'), s.prepare('dup', 'layer')]);
    assert.deepEqual(dup.map((r) => r.status), ['fulfilled', 'rejected']);
    assert.equal((await readdir(join(root, 'snapshots'))).length, 22);
    const reopened = await OverlaySnapshotter.open(root);
    assert.equal((await reopened.stat('c7')).parent, 'layer');

    // The old layout: one metadata.json naming every snapshot.
    const legacyRoot = join(base, 'legacy');
    await mkdir(join(legacyRoot, 'snapshots', '4', 'fs'), { recursive: true });
    await mkdir(join(legacyRoot, 'snapshots', '5', 'fs'), { recursive: true });
    const rec = (kind: string, parent?: string) => ({ id: kind === 'committed' ? 4 : 5, kind, labels: {}, created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', ...(parent ? { parent } : {}) });
    await writeFile(join(legacyRoot, 'metadata.json'), JSON.stringify({ version: 1, nextId: 6, snapshots: { base: rec('committed'), ctr: rec('active', 'base') } }));
    const converted = await OverlaySnapshotter.open(legacyRoot);
    assert.equal((await converted.stat('ctr')).parent, 'base');
    assert.deepEqual((await readdir(legacyRoot)).sort(), ['snapshots']);
    await converted.prepare('next', 'base');
    assert.deepEqual((await readdir(join(legacyRoot, 'snapshots'))).sort(), ['4', '5', '6']);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
