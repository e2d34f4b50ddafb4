import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarName, familiarString, parseReference, referenceString, registryHostOf, withDefaultTag } from './reference.ts';

const norm = (s: string) => referenceString(parseReference(s));

test('normalises short names to docker.io/library', () => {
  assert.equal(norm('busybox'), 'docker.io/library/busybox');
  assert.equal(referenceString(withDefaultTag(parseReference('busybox'))), 'docker.io/library/busybox:latest');
  assert.equal(norm('user/app:1.0'), 'docker.io/user/app:1.0');
  assert.equal(norm('index.docker.io/busybox'), 'docker.io/library/busybox');
  assert.equal(norm('localhost/app'), 'localhost/app');
  assert.equal(norm('host:5000/a/b:tag'), 'host:5000/a/b:tag');
  assert.equal(norm('127.0.0.1:5000/team/app:v1'), '127.0.0.1:5000/team/app:v1');
});

test('digests', () => {
  const d = 'sha256:' + 'a'.repeat(64);
  const r = parseReference(`busybox@${d}`);
  assert.equal(r.digest, d);
  assert.equal(r.tag, undefined);
  assert.equal(familiarString(r), `busybox@${d}`);
  assert.throws(() => parseReference('busybox@sha256:abc'), /invalid reference format/);
  assert.throws(() => parseReference('busybox@sha256:' + 'a'.repeat(40)), /invalid checksum digest length/);
});

test('familiar names', () => {
  assert.equal(familiarName(parseReference('docker.io/library/busybox')), 'busybox');
  assert.equal(familiarName(parseReference('docker.io/library/a/b')), 'library/a/b');
  assert.equal(familiarString(withDefaultTag(parseReference('user/app'))), 'user/app:latest');
  assert.equal(familiarString(parseReference('host:5000/app:v1')), 'host:5000/app:v1');
});

test("Docker's error texts", () => {
  assert.throws(() => parseReference('Foo'), { message: 'invalid reference format: repository name (library/Foo) must be lowercase' });
  assert.throws(() => parseReference('a b'), { message: 'invalid reference format' });
  assert.throws(() => parseReference('busybox:'), { message: 'invalid reference format' });
  assert.throws(() => parseReference(''), { message: 'invalid reference format' });
  assert.throws(() => parseReference('a'.repeat(64)), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseReference('x/' + 'a'.repeat(260)), /must not be more than 255 characters/);
  assert.throws(() => parseReference('Host:5000/Foo'), { message: 'invalid reference format: repository name (Foo) must be lowercase' });
  assert.throws(() => parseReference('busybox:' + 'a'.repeat(129)), { message: 'invalid reference format' });
});

test('registryHostOf: server addresses as logins and X-Registry-Config keys write them', () => {
  for (const a of ['', 'https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'https://docker.io']) assert.equal(registryHostOf(a), 'docker.io', a);
  assert.equal(registryHostOf('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(registryHostOf('https://reg.example:5000/v2/'), 'reg.example:5000');
  assert.equal(registryHostOf('http://reg.example'), 'reg.example');
});
