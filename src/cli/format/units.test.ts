import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSize, formatG, humanDuration, humanSize, humanSizeWithPrecision, timeAgo } from './units.ts';

test('humanDuration follows go-units thresholds', () => {
  const s = 1000;
  assert.equal(humanDuration(0), 'Less than a second');
  assert.equal(humanDuration(1 * s), '1 second');
  assert.equal(humanDuration(5 * s), '5 seconds');
  assert.equal(humanDuration(59 * s), '59 seconds');
  assert.equal(humanDuration(60 * s), 'About a minute');
  assert.equal(humanDuration(119 * s), 'About a minute');
  assert.equal(humanDuration(120 * s), '2 minutes');
  assert.equal(humanDuration(59 * 60 * s), '59 minutes');
  assert.equal(humanDuration(60 * 60 * s), 'About an hour');
  assert.equal(humanDuration(90 * 60 * s), '2 hours');
  assert.equal(humanDuration(47 * 3600 * s), '47 hours');
  assert.equal(humanDuration(48 * 3600 * s), '2 days');
  assert.equal(humanDuration(14 * 24 * 3600 * s), '2 weeks');
  assert.equal(humanDuration(60 * 24 * 3600 * s), '2 months');
  assert.equal(humanDuration(3 * 365 * 24 * 3600 * s), '3 years');
});

test('timeAgo appends ago', () => {
  assert.equal(timeAgo(1000, 1003_000), '3 seconds ago');
});

test('formatG matches Go %g', () => {
  assert.equal(formatG(4.26, 3), '4.26');
  assert.equal(formatG(4, 3), '4');
  assert.equal(formatG(12.5, 3), '12.5');
  assert.equal(formatG(100, 3), '100');
  assert.equal(formatG(999.9, 3), '1e+03');
  assert.equal(formatG(1.2345, 4), '1.234');
});

test('humanSizeWithPrecision uses decimal units with 3 significant digits', () => {
  assert.equal(humanSizeWithPrecision(0, 3), '0B');
  assert.equal(humanSizeWithPrecision(4_261_000, 3), '4.26MB');
  assert.equal(humanSizeWithPrecision(7_800_000, 3), '7.8MB');
  assert.equal(humanSizeWithPrecision(1_000, 3), '1kB');
  assert.equal(humanSizeWithPrecision(123_456_789, 3), '123MB');
  assert.equal(humanSize(1_234_567), '1.235MB');
});

test('bytesSize uses binary units', () => {
  assert.equal(bytesSize(2 * 1024 ** 3), '2GiB');
  assert.equal(bytesSize(1536), '1.5KiB');
});
