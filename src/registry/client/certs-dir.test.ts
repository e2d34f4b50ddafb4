import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCertsDir } from './certs-dir.ts';

test('readCertsDir: *.crt are CAs, *.cert goes with its *.key, a lone half is an error, no directory is no TLS', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-certsd-'));
  try {
    assert.equal(readCertsDir(root, 'reg.example:5000'), undefined);
    assert.equal(readCertsDir(undefined, 'reg.example:5000'), undefined);
    const dir = join(root, 'reg.example:5000');
    await mkdir(dir);
    assert.deepEqual(readCertsDir(root, 'reg.example:5000'), { ca: [] });
    await writeFile(join(dir, 'ca.crt'), 'CA1');
    await writeFile(join(dir, 'extra.crt'), 'CA2');
    await writeFile(join(dir, 'client.cert'), 'CERT');
    assert.throws(() => readCertsDir(root, 'reg.example:5000'), /missing key client\.key for client certificate client\.cert/);
    await writeFile(join(dir, 'client.key'), 'KEY');
    const tls = readCertsDir(root, 'reg.example:5000')!;
    assert.deepEqual(tls.ca.map(String), ['CA1', 'CA2']);
    assert.equal(String(tls.cert), 'CERT');
    assert.equal(String(tls.key), 'KEY');
    await writeFile(join(dir, 'lone.key'), 'K');
    assert.throws(() => readCertsDir(root, 'reg.example:5000'), /missing client certificate lone\.cert/);
    assert.equal(readCertsDir(root, '../etc'), undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
