import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDelay, shouldRestart, shouldStartAtBoot } from './restart-policy.ts';

const f = (o: Partial<{ exitCode: number; manuallyStopped: boolean; restartCount: number; ranMs: number }> = {}) =>
  ({ exitCode: 1, manuallyStopped: false, restartCount: 0, ranMs: 100, ...o });

test('policies at exit', () => {
  assert.equal(shouldRestart({ Name: 'no' }, f()), false);
  assert.equal(shouldRestart({ Name: 'always' }, f({ exitCode: 0 })), true);
  assert.equal(shouldRestart({ Name: 'always' }, f({ manuallyStopped: true })), false);
  assert.equal(shouldRestart({ Name: 'unless-stopped' }, f()), true);
  assert.equal(shouldRestart({ Name: 'on-failure' }, f({ exitCode: 0 })), false);
  assert.equal(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, f({ restartCount: 1 })), true);
  assert.equal(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, f({ restartCount: 2 })), false);
});

test('policies at daemon start', () => {
  assert.equal(shouldStartAtBoot({ Name: 'always' }, f({ manuallyStopped: true })), true);
  assert.equal(shouldStartAtBoot({ Name: 'unless-stopped' }, f({ manuallyStopped: true })), false);
});

test('back-off doubles up to a minute and resets after a stable run', () => {
  assert.equal(nextDelay(0, 0), 100);
  assert.equal(nextDelay(100, 500), 200);
  assert.equal(nextDelay(40_000, 500), 60_000);
  assert.equal(nextDelay(6400, 12_000), 100);
});
