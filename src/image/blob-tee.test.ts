import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { errorKind, isInvalidArgument } from '../lib/errdefs.ts';
import type { Descriptor, Digest } from '../oci/index.ts';
import type { ContentWriter } from './content/content-store.ts';
import { blobTee } from './blob-tee.ts';

/** A writer that keeps what it is given, slowly (so batching happens). */
function memoryWriter(): ContentWriter & { bytes(): Buffer; calls: number } {
  const parts: Buffer[] = [];
  const w = {
    calls: 0,
    async write(c: Uint8Array | readonly Uint8Array[]) {
      w.calls++;
      await new Promise((r) => setTimeout(r, 1));
      for (const x of Array.isArray(c) ? c : [c]) parts.push(Buffer.from(x as Uint8Array));
    },
    status: () => ({ ref: 'm', offset: Buffer.concat(parts).length }),
    async commit() {},
    async [Symbol.asyncDispose]() {},
    bytes: () => Buffer.concat(parts),
  };
  return w;
}

const desc = (b: Buffer, size = b.length): Descriptor => ({ mediaType: 'application/octet-stream', size, digest: `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest });
const chunked = (b: Buffer, n: number) => Readable.from((function* () { for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n); })(), { objectMode: false });

test('blob tee: the bytes flow on unchanged and all reach the writer, in few writes', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const w = memoryWriter();
  let seen = 0;
  const tee = blobTee(chunked(data, 16 * 1024), desc(data), w, (n) => (seen = n));
  const out: Buffer[] = [];
  for await (const c of tee.stream) out.push(c as Buffer);
  await tee.done;
  assert.ok(Buffer.concat(out).equals(data));
  assert.ok(w.bytes().equals(data));
  assert.equal(seen, data.length);
  assert.ok(w.calls < data.length / (16 * 1024), `${w.calls} writes`);
});

test('blob tee: when the reader stops early the download still completes into the writer', async () => {
  const data = randomBytes(2 * 1024 * 1024);
  const w = memoryWriter();
  const tee = blobTee(chunked(data, 64 * 1024), desc(data), w);
  for await (const _ of tee.stream) break; // destroys the stream after one chunk
  await tee.done;
  assert.ok(w.bytes().equals(data));
});

test('blob tee: a body longer than the descriptor, a short body and a broken body fail', async () => {
  const data = randomBytes(100_000);
  const long = blobTee(chunked(data, 10_000), desc(data, 50_000), memoryWriter());
  long.stream.on('error', () => {}).resume();
  await assert.rejects(long.done, (e: unknown) => isInvalidArgument(e) && /larger than the manifest says/.test((e as Error).message));
  assert.equal(long.failed, true);

  const short = blobTee(chunked(data, 10_000), desc(data, 200_000), memoryWriter());
  short.stream.resume();
  await assert.rejects(short.done, (e: unknown) => errorKind(e) === 'unavailable' && /short read \(100000 of 200000 bytes\)/.test((e as Error).message));

  const body = new PassThrough();
  const broken = blobTee(body, desc(data), memoryWriter());
  const consumed = (async () => { for await (const _ of broken.stream) { /* drain */ } })();
  body.write(data.subarray(0, 1000));
  body.destroy(Object.assign(new TypeError('terminated'), { cause: new Error('other side closed') }));
  await assert.rejects(broken.done, (e: unknown) => errorKind(e) === 'unavailable' && /^error pulling blob sha256:[0-9a-f]{64}: other side closed$/.test((e as Error).message));
  await assert.rejects(consumed, /other side closed/);
});
