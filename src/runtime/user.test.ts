import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveUser } from './user.ts';
import { resolveInRoot } from '../lib/root-path.ts';

async function rootfs() {
  const dir = await mkdtemp(join(tmpdir(), 'berth-user-'));
  await mkdir(join(dir, 'etc'));
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n');
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nwheel:x:10:app\nstaff:x:50:app,other\napp:x:1000:\nnogroup:x:65534:\n');
  return dir;
}

test('resolveUser: Docker forms', async (t) => {
  const dir = await rootfs();
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.deepEqual(await resolveUser(dir, ''), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  assert.deepEqual(await resolveUser(dir, 'nobody'), { uid: 65534, gid: 65534, additionalGids: [], home: '/nonexistent' });
  assert.deepEqual(await resolveUser(dir, 'app'), { uid: 1000, gid: 1000, additionalGids: [10, 50], home: '/home/app' });
  assert.deepEqual(await resolveUser(dir, '1000'), { uid: 1000, gid: 1000, additionalGids: [10, 50], home: '/home/app' });
  assert.deepEqual(await resolveUser(dir, '4242'), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(await resolveUser(dir, '4242:4343'), { uid: 4242, gid: 4343, additionalGids: [], home: '/' });
  assert.deepEqual(await resolveUser(dir, 'app:staff'), { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' });
  assert.deepEqual(await resolveUser(dir, 'nobody:0'), { uid: 65534, gid: 0, additionalGids: [], home: '/nonexistent' });
  await assert.rejects(resolveUser(dir, 'xyz'), /^EngineError: unable to find user xyz: no matching entries in passwd file$/);
  await assert.rejects(resolveUser(dir, 'app:nope'), /unable to find group nope: no matching entries in group file/);
});

test('resolveUser: /etc/passwd symlinked outside the rootfs stays inside', async (t) => {
  const dir = await rootfs();
  t.after(() => rm(dir, { recursive: true, force: true }));
  await rm(join(dir, 'etc/passwd'));
  await symlink('../../../../../../passwd', join(dir, 'etc/passwd'));
  // resolves to <rootfs>/passwd, which does not exist: no passwd entries, host file never read
  assert.equal(await resolveInRoot(dir, '/etc/passwd', { followLast: true }), `${dir}/passwd`);
  await symlink('/etc/group', join(dir, 'abs'));
  assert.equal(await resolveInRoot(dir, '/abs', { followLast: true }), `${dir}/etc/group`);
  await assert.rejects(resolveUser(dir, 'root'), /unable to find user root/);
  assert.equal((await resolveUser(dir, '0')).uid, 0);
});
