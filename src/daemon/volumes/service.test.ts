import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, symlink, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalVolumeDriver, VolumeStore } from '../../volume/index.ts';
import { planMounts } from '../containers/mounts.ts';
import type { ContainerRecord } from '../containers/record.ts';
import { VolumeService } from './service.ts';

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'berth-volsvc-'));
  const events: string[] = [];
  const recs: ContainerRecord[] = [];
  const svc = new VolumeService({
    store: new VolumeStore({ local: new LocalVolumeDriver(join(dir, 'root')) }),
    emit: (action, name) => events.push(`${action} ${name.slice(0, 12)}`),
    containers: () => recs,
  });
  return { dir, events, recs, svc };
}

test('prepareMounts: copies image content into empty volumes (not nocopy), safe resolution, bind sources; release; rm -v', async () => {
  const { dir, events, recs, svc } = await setup();
  try {
    const rootfs = join(dir, 'rootfs');
    await mkdir(join(rootfs, 'data', 'sub'), { recursive: true });
    await writeFile(join(rootfs, 'data', 'sub', 'f'), 'from image');
    await mkdir(join(rootfs, 'nc'), { recursive: true });
    await writeFile(join(rootfs, 'nc', 'g'), 'x');
    await symlink('/', join(rootfs, 'escape')); // a hostile link: must resolve inside rootfs
    const o = { volumes: svc, containerId: 'c1', volumesFrom: () => { throw new Error('no'); } };
    const mounts = await planMounts({
      Binds: ['web2_redis:/data', 'nc:/nc:nocopy', `${join(dir, 'made')}:/made`, 'esc:/escape/etc'],
      Tmpfs: { '/run': 'size=1m' },
    }, { '/anon': {} }, o);
    assert.deepEqual(events.sort(), ['create esc', 'create nc', 'create web2_redis', `create ${mounts.find((m) => m.anonymous)!.Name!.slice(0, 12)}`].sort());
    events.length = 0;
    recs.push({ id: 'c1', mounts } as ContainerRecord);

    const p = await svc.prepareMounts('c1', mounts, rootfs);
    const data = p.binds.find((b) => b.destination === '/data')!;
    assert.equal(await readFile(join(data.source, 'sub', 'f'), 'utf8'), 'from image');
    assert.deepEqual(await readdir(p.binds.find((b) => b.destination === '/nc')!.source), []);
    assert.deepEqual(await readdir(p.binds.find((b) => b.destination === '/escape/etc')!.source), [], 'host /etc never copied');
    assert.ok((await stat(join(dir, 'made'))).isDirectory());
    assert.deepEqual(p.tmpfs, { '/run': 'size=1m' });
    assert.equal(events.filter((e) => e.startsWith('mount ')).length, 4);

    // in use: remove refused, dangling filter
    await assert.rejects(svc.remove('web2_redis'), /remove web2_redis: volume is in use - \[c1\]/);
    assert.deepEqual((await svc.list({ dangling: ['true'] })).Volumes, []);

    // a second start does not copy again (volume not empty), release is idempotent
    await svc.releaseMounts('c1', mounts);
    await svc.releaseMounts('c1', mounts);
    assert.equal(events.filter((e) => e.startsWith('unmount ')).length, 4);
    await writeFile(join(rootfs, 'data', 'later'), 'x');
    const p2 = await svc.prepareMounts('c1', mounts, rootfs);
    assert.deepEqual((await readdir(p2.binds.find((b) => b.destination === '/data')!.source)).sort(), ['sub']);
    await svc.releaseMounts('c1', mounts);

    // rm -v: anonymous volumes go once no container uses them; named ones stay
    recs.length = 0;
    await svc.removeAnonymous(mounts);
    const names = (await svc.list({})).Volumes.map((v) => v.Name).sort();
    assert.deepEqual(names, ['esc', 'nc', 'web2_redis']);
    assert.deepEqual((await svc.list({ dangling: ['true'] })).Volumes.length, 3);
    await assert.rejects(svc.create('a'), (e: Error) => e.message.startsWith("create a: volume name is too short"));
    assert.deepEqual((await svc.prune({ all: ['true'] })).VolumesDeleted.sort(), names);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
