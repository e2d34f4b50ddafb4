/**
 * The StorageDriver contract (distribution registry/storage/driver/testsuites, trimmed): every implementation
 * runs it from its own test file with a factory for a fresh, empty driver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound } from '../../lib/index.ts';
import type { StorageDriver } from './storage-driver.ts';

async function text(d: StorageDriver, p: string): Promise<string> {
  return Buffer.from(await d.getContent(p)).toString('utf8');
}

async function readAll(d: StorageDriver, p: string, offset: number, length?: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of (await d.reader(p, offset, { length })) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function rejectsNotFound(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => isNotFound(err));
}

export function storageDriverSuite(name: string, make: () => Promise<StorageDriver>): void {
  test(`${name}: putContent/getContent round trip, replace, parents created`, async () => {
    const d = await make();
    await d.putContent('/a/b/c', Buffer.from('one'));
    assert.equal(await text(d, '/a/b/c'), 'one');
    await d.putContent('/a/b/c', Buffer.from('two'));
    assert.equal(await text(d, '/a/b/c'), 'two');
    await rejectsNotFound(d.getContent('/a/b/missing'));
  });

  test(`${name}: reader from an offset, with a length`, async () => {
    const d = await make();
    await d.putContent('/f', Buffer.from('0123456789'));
    assert.equal(await readAll(d, '/f', 0), '0123456789');
    assert.equal(await readAll(d, '/f', 3), '3456789');
    assert.equal(await readAll(d, '/f', 3, 4), '3456');
    assert.equal(await readAll(d, '/f', 3, 0), '');
    await rejectsNotFound(d.reader('/nope', 0));
  });

  test(`${name}: writer appends, reports size, cancel removes`, async () => {
    const d = await make();
    let w = await d.writer('/up/data', false);
    await w.write(Buffer.from('abc'));
    assert.equal(w.size, 3);
    await w.close();
    w = await d.writer('/up/data', true);
    assert.equal(w.size, 3);
    await w.write(Buffer.from('def'));
    await w.commit();
    assert.equal(await text(d, '/up/data'), 'abcdef');
    assert.equal((await d.stat('/up/data')).size, 6);
    w = await d.writer('/up/other', false);
    await w.write(Buffer.from('x'));
    await w.cancel();
    await rejectsNotFound(d.stat('/up/other'));
  });

  test(`${name}: stat, list, move, delete`, async () => {
    const d = await make();
    await d.putContent('/dir/x', Buffer.from('1'));
    await d.putContent('/dir/sub/y', Buffer.from('22'));
    const st = await d.stat('/dir/sub/y');
    assert.equal(st.size, 2);
    assert.equal(st.isDir, false);
    assert.equal((await d.stat('/dir/sub')).isDir, true);
    assert.deepEqual((await d.list('/dir')).sort(), ['/dir/sub', '/dir/x']);
    await rejectsNotFound(d.list('/none'));
    await d.move('/dir/x', '/elsewhere/deep/x');
    assert.equal(await text(d, '/elsewhere/deep/x'), '1');
    await rejectsNotFound(d.stat('/dir/x'));
    await d.putContent('/target', Buffer.from('old'));
    await d.move('/elsewhere/deep/x', '/target');
    assert.equal(await text(d, '/target'), '1');
    await d.delete('/dir');
    await rejectsNotFound(d.stat('/dir/sub/y'));
    await rejectsNotFound(d.delete('/dir'));
    await rejectsNotFound(d.move('/nothing', '/else'));
  });

  test(`${name}: paths cannot escape the root`, async () => {
    const d = await make();
    await assert.rejects(d.putContent('/../escape', Buffer.from('x')));
    await assert.rejects(d.getContent('/a/../../etc/passwd'));
  });
}
