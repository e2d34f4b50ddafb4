import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { UploadStateSigner } from './upload-state.ts';

test('upload state tokens round-trip and refuse tampering or another key', () => {
  const s = new UploadStateSigner(randomBytes(32));
  const state = { name: 'team/img', id: 'abc-123', offset: 42, startedAt: '2024-01-01T00:00:00.000Z' };
  const token = s.sign(state);
  assert.deepEqual(s.verify(token), state);
  const [body, mac] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...state, offset: 0 })).toString('base64url');
  assert.equal(s.verify(`${forged}.${mac}`), undefined);
  assert.equal(s.verify(`${body}.`), undefined);
  assert.equal(s.verify('garbage'), undefined);
  assert.equal(new UploadStateSigner(randomBytes(32)).verify(token), undefined);
});
