import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind, parseMounts } from './mounts.ts';

test('bind specs', () => {
  assert.deepEqual(parseBind('/h:/c'), { source: '/h', destination: '/c', readonly: false, propagation: undefined, createSource: true });
  assert.equal(parseBind('/h:/c:ro').readonly, true);
  assert.equal(parseBind('/h/../x:/c:rw,rshared').propagation, 'rshared');
  assert.equal(parseBind('/h/../x:/c').source, '/x');
  assert.throws(() => parseBind('/h:rel'), /must be absolute/);
  assert.throws(() => parseBind('/h:/c:bogus'), /invalid mode: bogus/);
  assert.throws(() => parseBind('/h'), /invalid volume specification/);
});

test('--mount and --tmpfs, duplicates rejected', () => {
  const m = parseMounts({ Mounts: [{ Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true }, { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } }], Tmpfs: { '/run': 'size=1m' } });
  assert.equal(m.binds[0].readonly, true);
  assert.equal(m.binds[0].createSource, false);
  assert.deepEqual(m.tmpfs, { '/run': 'size=1m', '/t': 'size=1024' });
  assert.throws(() => parseMounts({ Binds: ['/a:/x'], Tmpfs: { '/x': '' } }), /Duplicate mount point: \/x/);
});
