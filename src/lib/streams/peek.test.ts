import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { peekBytes } from './peek.ts';

test('the peeked bytes come first in the returned stream', async () => {
  const s = Readable.from([Buffer.from('ab'), Buffer.from('cdef'), Buffer.from('gh')], { objectMode: false });
  const { head, stream } = await peekBytes(s, 5);
  assert.equal(head.toString(), 'abcdef');
  assert.equal(await text(stream), 'abcdefgh');
});

test('a stream shorter than asked, an empty one, and one written later', async () => {
  const short = await peekBytes(Readable.from([Buffer.from('xy')], { objectMode: false }), 6);
  assert.equal(short.head.toString(), 'xy');
  assert.equal(await text(short.stream), 'xy');
  const empty = await peekBytes(Readable.from([], { objectMode: false }), 6);
  assert.equal(empty.head.length, 0);
  assert.equal(await text(empty.stream), '');
  const late = new PassThrough();
  setTimeout(() => { late.write('hello '); late.end('world'); }, 10);
  const p = await peekBytes(late, 3);
  assert.equal(p.head.toString(), 'hello ');
  assert.equal(await text(p.stream), 'hello world');
});

test('errors before and after the head reach the caller', async () => {
  const s = new PassThrough();
  setTimeout(() => s.destroy(new Error('boom')), 5);
  await assert.rejects(peekBytes(s, 4), /boom/);
  const t = new PassThrough();
  t.write('12345678');
  const { stream } = await peekBytes(t, 4);
  setTimeout(() => t.destroy(new Error('later')), 5);
  await assert.rejects(text(stream), /later/);
});
