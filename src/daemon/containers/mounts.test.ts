import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVolumeSpec, parseVolumesFrom, planMounts, mountsView, type MountVolumes } from './mounts.ts';
import type { ContainerRecord, MountPoint } from './record.ts';

test('-v specs: binds, named and anonymous volumes, modes', () => {
  assert.deepEqual(parseVolumeSpec('/h:/c:ro'), { Type: 'bind', Source: '/h', Destination: '/c', Mode: 'ro', RW: false, Propagation: 'rprivate', createSource: true });
  assert.equal(parseVolumeSpec('/h:/c:rshared').Propagation, 'rshared');
  const named = parseVolumeSpec('data:/d:nocopy');
  assert.equal(named.Type, 'volume');
  assert.equal(named.Name, 'data');
  assert.equal(named.noCopy, true);
  assert.equal(named.anonymous, false);
  const anon = parseVolumeSpec('/data/');
  assert.deepEqual([anon.Type, anon.Name, anon.Destination, anon.anonymous], ['volume', undefined, '/data', true]);
  assert.throws(() => parseVolumeSpec('/h'.repeat(1) + ':rw'), /invalid volume specification: '\/h:rw'/);
  assert.throws(() => parseVolumeSpec('a:b:c:d'), /invalid volume specification/);
  assert.throws(() => parseVolumeSpec(':/x'), /invalid volume specification/);
  assert.throws(() => parseVolumeSpec('/h:rel'), /invalid volume specification: '\/h:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute/);
  assert.throws(() => parseVolumeSpec('/h:/'), /destination can't be '\/'/);
  assert.throws(() => parseVolumeSpec('/h:/c:nocopy'), /field VolumeOptions must not be specified/);
  assert.throws(() => parseVolumeSpec('v:/c:rshared'), /field BindOptions must not be specified/);
  assert.throws(() => parseVolumeSpec('v:/c:bogus'), /invalid mode: bogus/);
  assert.deepEqual(parseVolumesFrom('c1'), { ref: 'c1', readonly: false });
  assert.deepEqual(parseVolumesFrom('c1:ro'), { ref: 'c1', readonly: true });
  assert.throws(() => parseVolumesFrom('c1:rshared'), /invalid mode: rshared/);
  assert.throws(() => parseVolumesFrom(''), /cannot be an empty string/);
});

class FakeVolumes implements MountVolumes {
  readonly vols = new Map<string, { labels?: Record<string, string>; driverOpts?: Record<string, string> }>();
  removed: string[] = [];
  n = 0;
  failOn?: string;
  async ensure(name: string | undefined, o?: { driver?: string; driverOpts?: Record<string, string>; labels?: Record<string, string> }) {
    if (name && name === this.failOn) throw new Error(`create ${name}: boom`);
    const n = name ?? `${String(++this.n).padStart(64, '0')}`;
    if (!this.vols.has(n)) {
      if (o === undefined) throw new Error(`get ${n}: no such volume`);
      this.vols.set(n, { labels: o.labels, driverOpts: o.driverOpts });
    }
    return { Name: n, Mountpoint: `/var/lib/berth/volumes/${n}/_data`, Driver: 'local' };
  }
  async removeAnonymous(mounts: readonly MountPoint[]) {
    for (const m of mounts) if (m.anonymous && m.Name) { this.removed.push(m.Name); this.vols.delete(m.Name); }
  }
}

test('planMounts: binds, volumes, --mount, --tmpfs, image volumes, volumes-from', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-mounts-'));
  try {
    const v = new FakeVolumes();
    const recs = new Map<string, ContainerRecord>();
    const o = { volumes: v, containerId: 'self', volumesFrom: (ref: string) => { const r = recs.get(ref); if (!r) throw new Error(`No such container: ${ref}`); return r; } };
    const mounts = await planMounts({
      Binds: [`${dir}:/host:ro`, 'web2_redis:/data', '/newdir/x:/x'],
      Mounts: [
        { Type: 'volume', Source: 'labelled', Target: '/l', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } } },
        { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
        { Type: 'bind', Source: dir, Target: '/b', ReadOnly: true },
      ],
      Tmpfs: { '/run': 'size=1m' },
    }, { '/data': {}, '/img/': {} }, o);
    const byDest = Object.fromEntries(mounts.map((m) => [m.Destination, m]));
    assert.deepEqual(byDest['/host'], { Type: 'bind', Source: dir, Destination: '/host', Mode: 'ro', RW: false, Propagation: 'rprivate', createSource: true });
    assert.deepEqual(byDest['/data'], { Type: 'volume', Name: 'web2_redis', Source: '/var/lib/berth/volumes/web2_redis/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '', anonymous: false, noCopy: false });
    assert.equal(byDest['/l']!.noCopy, true);
    assert.deepEqual(v.vols.get('labelled'), { labels: { a: 'b' }, driverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    assert.equal(byDest['/t']!.tmpfsOptions, 'size=1048576,mode=1777');
    assert.equal(byDest['/run']!.tmpfsFlag, true);
    assert.equal(byDest['/b']!.createSource, false);
    assert.equal(byDest['/img']!.anonymous, true);
    assert.equal(byDest['/img']!.Mode, '');
    assert.match(byDest['/img']!.Name!, /^0+1$/);
    // inspect's shape: --tmpfs not listed, volumes with Name and Driver, binds without
    const view = mountsView(mounts);
    assert.equal(view.find((m) => m.Destination === '/run'), undefined);
    assert.deepEqual(Object.keys(view.find((m) => m.Destination === '/data')!), ['Type', 'Name', 'Source', 'Destination', 'Driver', 'Mode', 'RW', 'Propagation']);
    assert.deepEqual(Object.keys(view.find((m) => m.Destination === '/host')!), ['Type', 'Source', 'Destination', 'Mode', 'RW', 'Propagation']);

    recs.set('src', { id: 'srcid', mounts } as ContainerRecord);
    const from = await planMounts({ VolumesFrom: ['src:ro'], Binds: [`${dir}:/data`] }, null, o);
    const f = Object.fromEntries(from.map((m) => [m.Destination, m]));
    assert.equal(f['/data']!.Type, 'bind', '-v replaces the volumes-from mount');
    assert.equal(f['/img']!.Name, byDest['/img']!.Name);
    assert.equal(f['/img']!.RW, false);
    assert.equal(f['/img']!.noCopy, true);
    assert.equal(f['/run'], undefined, '--tmpfs is not inherited');
    assert.equal((await planMounts({ VolumesFrom: ['src'] }, null, o)).find((m) => m.Destination === '/l')!.RW, true);

    await assert.rejects(planMounts({ Binds: ['/a:/x', 'v1:/x'] }, null, o), /Duplicate mount point: \/x/);
    await assert.rejects(planMounts({ Binds: ['/a:/x'], Tmpfs: { '/x': '' } }, null, o), /Duplicate mount point: \/x/);
    await assert.rejects(planMounts({ Mounts: [{ Type: 'bind', Source: join(dir, 'missing'), Target: '/m' }] }, null, o),
      new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${join(dir, 'missing')}`));
    await assert.rejects(planMounts({ Mounts: [{ Type: 'tmpfs', Source: '/x', Target: '/m' }] }, null, o), /field Source must not be specified/);
    await assert.rejects(planMounts({ VolumesFrom: ['nope'] }, null, o), /No such container: nope/);
    // a failure after anonymous volumes were created removes them again
    v.failOn = 'bad';
    const before = v.vols.size;
    await assert.rejects(planMounts({ Binds: ['/anon', 'bad:/b'] }, null, o), /boom/);
    assert.equal(v.vols.size, before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
