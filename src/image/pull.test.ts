import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insecureMatcher } from './pull.ts';
import { progressBar, humanSize } from './progress.ts';

test('insecure-registries: host, host:port and CIDR entries', () => {
  const m = insecureMatcher(['reg.local:5000', 'other.local', '10.0.0.0/8']);
  assert.ok(m('reg.local:5000'));
  assert.ok(m('other.local:443'));
  assert.ok(m('10.1.2.3:5000'));
  assert.ok(!m('192.168.1.1:5000'));
  assert.ok(!m('reg.local:5001'));
});

test('progress bar and sizes as jsonmessage', () => {
  assert.equal(humanSize(2140160), '2.14MB');
  assert.match(progressBar(50, 100), /^\[={24}> {25}\] +50B\/100B$/);
});
