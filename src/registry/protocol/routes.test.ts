import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRepositoryName, isValidTag, parseNextLink, parseRoute } from './routes.ts';
import { ERROR_CODES, RegistryError, parseErrorBody } from './errors.ts';

test('repository names and tags follow the distribution grammar', () => {
  for (const n of ['a', 'team/img', 'a.b/c_d/e__f', 'x-y--z/0']) assert.equal(isValidRepositoryName(n), true, n);
  for (const n of ['', 'A', 'a//b', '/a', 'a/', 'a_', '-a', 'a/../b', 'a/_layers', 'a'.repeat(256)]) assert.equal(isValidRepositoryName(n), false, n);
  for (const t of ['latest', 'v1.0', '_x', 'a'.repeat(128)]) assert.equal(isValidTag(t), true, t);
  for (const t of ['', '.x', '-x', 'a'.repeat(129), 'a/b']) assert.equal(isValidTag(t), false, t);
});

test('routes: names with slashes, uploads before blobs', () => {
  assert.deepEqual(parseRoute('/v2/'), { kind: 'base' });
  assert.deepEqual(parseRoute('/v2/_catalog'), { kind: 'catalog' });
  assert.deepEqual(parseRoute('/v2/a/b/tags/list'), { kind: 'tags', name: 'a/b' });
  assert.deepEqual(parseRoute('/v2/a/b/manifests/v1'), { kind: 'manifest', name: 'a/b', reference: 'v1' });
  assert.deepEqual(parseRoute('/v2/a/blobs/uploads/'), { kind: 'uploads', name: 'a' });
  assert.deepEqual(parseRoute('/v2/a/blobs/uploads/123'), { kind: 'upload', name: 'a', id: '123' });
  assert.deepEqual(parseRoute('/v2/a/blobs/sha256:00'), { kind: 'blob', name: 'a', digest: 'sha256:00' });
  assert.deepEqual(parseRoute('/v2/a/referrers/sha256:00'), { kind: 'referrers', name: 'a', digest: 'sha256:00' });
  assert.equal(parseRoute('/v1/x'), undefined);
  assert.equal(parseNextLink('</v2/_catalog?n=2&last=b>; rel="next"'), '/v2/_catalog?n=2&last=b');
  assert.equal(parseNextLink(null), undefined);
});

test('error bodies carry the code table’s message and status', () => {
  const e = new RegistryError('MANIFEST_BLOB_UNKNOWN', { detail: { digest: 'sha256:1' }, more: [{ code: 'MANIFEST_BLOB_UNKNOWN', detail: { digest: 'sha256:2' } }] });
  assert.equal(e.status, 400);
  assert.equal(ERROR_CODES.UNSUPPORTED.status, 405);
  assert.deepEqual(parseErrorBody(JSON.stringify(e.toBody())), [
    { code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: { digest: 'sha256:1' } },
    { code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: { digest: 'sha256:2' } },
  ]);
  assert.equal(parseErrorBody('not json'), undefined);
});
