import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeChunks } from './write-chunks.ts';

test('every chunk lands in order, and onChunk sees each one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'write-chunks-'));
  try {
    const chunks = Array.from({ length: 300 }, (_, i) => randomBytes(1000 + i * 97));
    const seen: Buffer[] = [];
    const fh = await open(join(dir, 'f'), 'w');
    try {
      await writeChunks(fh, (async function* () { yield* chunks; })(), (c) => seen.push(c));
    } finally {
      await fh.close();
    }
    assert.deepEqual(await readFile(join(dir, 'f')), Buffer.concat(chunks));
    assert.equal(seen.length, chunks.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
