import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetachKeyMatcher, parseDetachKeys } from './detach-keys.ts';

test('parses docker detach key specs', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17]);
  assert.deepEqual(parseDetachKeys('a,ctrl-@,ctrl-['), [97, 0, 27]);
  assert.throws(() => parseDetachKeys('ctrl-é'), /Unknown character/);
});

test('detects the sequence across chunks and passes other bytes', () => {
  const m = new DetachKeyMatcher();
  assert.deepEqual(m.feed(Buffer.from('ab\x10')), { pass: Buffer.from('ab'), detached: false });
  assert.deepEqual(m.feed(Buffer.from('\x11')), { pass: Buffer.alloc(0), detached: true });
  const n = new DetachKeyMatcher();
  assert.deepEqual(n.feed(Buffer.from('\x10x')), { pass: Buffer.from('\x10x'), detached: false });
});
