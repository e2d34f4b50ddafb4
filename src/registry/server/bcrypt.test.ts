import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bcryptHash, bcryptVerify } from './bcrypt.ts';
import { verifyHtpasswdEntry, parseHtpasswd } from './htpasswd.ts';

// Openwall crypt_blowfish test vectors, and an entry from Apache's `htpasswd -nbB -C 10 alice s3cret`.
const VECTORS: [string, string][] = [
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK'],
  ['U*U*U', '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a'],
  ['0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored', '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui'],
  ['s3cret', '$2y$10$ejrEZFg1OWOJTBJvr7wvAueJu11igGqJH7rm0w8nysERG3WXbJJRe'],
];

test('bcrypt matches known hashes and rejects wrong passwords', async () => {
  for (const [pw, hash] of VECTORS) {
    assert.equal(await bcryptHash(pw, hash), hash);
    assert.equal(await bcryptVerify(pw, hash), true);
    assert.equal(await bcryptVerify('x' + pw, hash), false);
  }
  assert.equal(await bcryptVerify('x', '$2y$10$short'), false);
});

test('htpasswd entries: bcrypt, {SHA}, plain; unknown schemes never match', async () => {
  const users = parseHtpasswd('# comment\nalice:$2y$10$ejrEZFg1OWOJTBJvr7wvAueJu11igGqJH7rm0w8nysERG3WXbJJRe\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\ncarol:plain\ndave:$apr1$abc$def\n');
  assert.equal(await verifyHtpasswdEntry(users.get('alice')!, 's3cret'), true);
  assert.equal(await verifyHtpasswdEntry(users.get('bob')!, 'password'), true);
  assert.equal(await verifyHtpasswdEntry(users.get('bob')!, 'Password'), false);
  assert.equal(await verifyHtpasswdEntry(users.get('carol')!, 'plain'), true);
  assert.equal(await verifyHtpasswdEntry(users.get('dave')!, '$apr1$abc$def'), false);
});
