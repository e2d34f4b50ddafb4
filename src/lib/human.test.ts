import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, humanSizeWithPrecision, ramInBytes } from './human.ts';

test('go-units HumanDuration', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(45_000), '45 seconds');
  assert.equal(humanDuration(90_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(60 * 60_000), 'About an hour');
  assert.equal(humanDuration(3 * 24 * 3_600_000), '3 days');
});

test('go-units HumanSizeWithPrecision', () => {
  assert.equal(humanSizeWithPrecision(0, 3), '0B');
  assert.equal(humanSizeWithPrecision(999, 3), '999B');
  assert.equal(humanSizeWithPrecision(4_261_000, 3), '4.26MB');
  assert.equal(humanSizeWithPrecision(1_000_000, 3), '1MB');
  assert.equal(humanSizeWithPrecision(123_456_789, 3), '123MB');
});

test('ramInBytes: go-units RAMInBytes', () => {
  assert.equal(ramInBytes('100'), 100);
  assert.equal(ramInBytes('64m'), 64 * 1024 ** 2);
  assert.equal(ramInBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(ramInBytes('512KiB'), 512 * 1024);
  assert.equal(ramInBytes('2kb'), 2048);
  assert.equal(ramInBytes('1 t'), 1024 ** 4);
  assert.equal(ramInBytes('0.3k'), 307);
  assert.throws(() => ramInBytes('ten'), /invalid size: 'ten'/);
  assert.throws(() => ramInBytes('-1m'), /invalid size/);
});
