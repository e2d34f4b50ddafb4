import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, symlink, readFile, rm, stat, readlink, chown, chmod, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalVolumeDriver, VolumeStore, copyImageContentIntoVolume, ANONYMOUS_LABEL } from './index.ts';

async function withStore(fn: (s: VolumeStore, d: LocalVolumeDriver, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-vol-'));
  const driver = new LocalVolumeDriver(root);
  const store = new VolumeStore({ local: driver });
  try { await fn(store, driver, root); } finally {
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    assert.ok(!info.includes(root), 'no mounts left behind');
    await rm(root, { recursive: true, force: true });
  }
}

test('create, inspect, list with filters, names', async () => {
  await withStore(async (s, _d, root) => {
    const v = await s.create('data', { labels: { app: 'web' } });
    assert.equal(v.Mountpoint, join(root, 'volumes', 'data', '_data'));
    assert.deepEqual({ ...v, CreatedAt: '' }, { Name: 'data', Driver: 'local', Mountpoint: v.Mountpoint, CreatedAt: '', Labels: { app: 'web' }, Scope: 'local', Options: {} });
    assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await stat(v.Mountpoint)).mode & 0o777, 0o755);
    const meta = JSON.parse(await readFile(join(root, 'volumes', 'data', 'volume.json'), 'utf8')) as { schemaVersion: number };
    assert.equal(meta.schemaVersion, 1);
    const anon = await s.create(undefined);
    assert.match(anon.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual(anon.Labels, { [ANONYMOUS_LABEL]: '' });
    await assert.rejects(s.create('a'), /too short/);
    await assert.rejects(s.create('/x'), /"\/x" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed. If you intended to pass a host directory, use absolute path/);
    await assert.rejects(s.create('bad', { driverOpts: { foo: '1' } }), /invalid option: "foo"/);
    await assert.rejects(s.create('bad', { driverOpts: { type: 'tmpfs' } }), /missing required option: "device"/);
    s.setUsage((n) => (n === 'data' ? ['c1'] : []));
    const names = async (f: Record<string, string[]>) => (await s.list(f)).Volumes.map((x) => x.Name).sort();
    assert.deepEqual(await names({ dangling: ['true'] }), [anon.Name]);
    assert.deepEqual(await names({ dangling: ['false'] }), ['data']);
    assert.deepEqual(await names({ label: ['app=web'] }), ['data']);
    assert.deepEqual(await names({ label: ['app=db'] }), []);
    assert.deepEqual(await names({ name: ['dat'] }), ['data']);
    assert.deepEqual(await names({ driver: ['local'] }), ['data', anon.Name].sort());
    await assert.rejects(s.list({ bogus: ['1'] }), /invalid filter 'bogus'/);
    await writeFile(join(v.Mountpoint, 'f'), '12345');
    assert.deepEqual((await s.inspect('data', { size: true })).UsageData, { Size: 5, RefCount: 1 });
    await assert.rejects(s.inspect('nope'), /get nope: no such volume/);
  });
});

test('remove refuses in-use volumes; prune removes anonymous only unless all=true', async () => {
  await withStore(async (s) => {
    await s.create('named');
    const anon = await s.create('');
    const busy = await s.create('busy');
    s.setUsage((n) => (n === 'busy' ? ['abc', 'def'] : []));
    await assert.rejects(s.remove('busy'), (e: Error & { kind?: string }) => e.kind === 'conflict' && e.message === 'remove busy: volume is in use - [abc, def]');
    await assert.rejects(s.remove('missing'), /no such volume/);
    await s.remove('missing', { force: true });
    await writeFile(join(anon.Mountpoint, 'x'), 'abc');
    assert.deepEqual(await s.prune(), { VolumesDeleted: [anon.Name], SpaceReclaimed: 3 });
    assert.deepEqual(await s.prune({ all: ['true'] }), { VolumesDeleted: ['named'], SpaceReclaimed: 0 });
    assert.deepEqual((await s.list()).Volumes.map((v) => v.Name), [busy.Name]);
    s.setUsage(() => []);
    await s.remove('busy');
    assert.deepEqual((await s.list()).Volumes, []);
  });
});

test('tmpfs volume is mounted on first ref and unmounted after the last', async () => {
  await withStore(async (s, _d, root) => {
    const v = await s.create('tmp', { driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0700' } });
    const mounted = async () => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === v.Mountpoint);
    assert.equal(await s.mount('tmp', 'c1'), v.Mountpoint);
    await s.mount('tmp', 'c2');
    assert.ok(await mounted());
    assert.equal((await stat(v.Mountpoint)).mode & 0o777, 0o700);
    await writeFile(join(v.Mountpoint, 'f'), 'x');
    await assert.rejects(s.remove('tmp'), /active mounts/);
    await s.unmount('tmp', 'c1');
    assert.ok(await mounted());
    await s.unmount('tmp', 'c2');
    assert.ok(!(await mounted()));
    assert.deepEqual(await readdir(v.Mountpoint), []);
    assert.deepEqual((await s.prune({ all: ['1'] })).VolumesDeleted, []); // volumes with options are never pruned
    await s.remove('tmp');
    void root;
  });
});

test('copyImageContentIntoVolume copies into empty volumes only, keeps metadata, never follows the source link', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-copy-'));
  try {
    const src = join(dir, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'sub', 'f'), 'data');
    await chown(join(src, 'sub', 'f'), 101, 102);
    await symlink('/etc/passwd', join(src, 'ln'));
    await chown(src, 33, 33);
    await chmod(src, 0o750);
    const vol = join(dir, 'vol');
    await mkdir(vol);
    assert.equal(await copyImageContentIntoVolume(src, vol), true);
    assert.equal(await readFile(join(vol, 'sub', 'f'), 'utf8'), 'data');
    const f = await stat(join(vol, 'sub', 'f'));
    assert.deepEqual([f.uid, f.gid], [101, 102]);
    assert.equal(await readlink(join(vol, 'ln')), '/etc/passwd');
    const root = await stat(vol);
    assert.deepEqual([root.uid, root.gid, root.mode & 0o777], [33, 33, 0o750]);
    await writeFile(join(src, 'later'), 'x');
    assert.equal(await copyImageContentIntoVolume(src, vol), false); // not empty any more
    const vol2 = join(dir, 'vol2');
    await mkdir(vol2);
    await symlink(src, join(dir, 'srclink'));
    assert.equal(await copyImageContentIntoVolume(join(dir, 'srclink'), vol2), false);
    assert.equal(await copyImageContentIntoVolume(join(dir, 'missing'), vol2), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
