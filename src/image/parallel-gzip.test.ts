import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parallelGzip, GZIP_BLOCK, sampleEntropy } from './parallel-gzip.ts';

async function gz(parts: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of parallelGzip((async function* () { yield* parts; })())) out.push(c);
  return Buffer.concat(out);
}

test('parallelGzip output gunzips to the input, for empty, small and multi-block inputs', async () => {
  for (const input of [Buffer.alloc(0), Buffer.from('hello'), Buffer.concat([randomBytes(GZIP_BLOCK + 5), Buffer.alloc(3 * GZIP_BLOCK, 'abc')])]) {
    const z = await gz([input.subarray(0, 7), input.subarray(7)]);
    assert.deepEqual(gunzipSync(z), input);
  }
});

test('parallelGzip compresses text and stores random data without growing it much', async () => {
  const text = Buffer.alloc(4 * GZIP_BLOCK, 'the quick brown fox jumps over the lazy dog\n');
  assert.ok((await gz([text])).length < text.length / 20);
  const rnd = randomBytes(2 * GZIP_BLOCK);
  const z = await gz([rnd]);
  assert.ok(z.length < rnd.length * 1.01);
  assert.ok(sampleEntropy(rnd) > 7.9 && sampleEntropy(text) < 5);
});

test('parallelGzip is deterministic', async () => {
  const input = Buffer.concat([randomBytes(GZIP_BLOCK), Buffer.alloc(GZIP_BLOCK, 'x')]);
  assert.deepEqual(await gz([input]), await gz([input]));
});
