import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, matchesEventFilters } from './events.ts';

test('publishes Docker-shaped events, replays since, filters', () => {
  const bus = new EventBus();
  const t0 = BigInt(Date.now()) * 1_000_000n;
  bus.publish('container', 'start', 'abc', { name: 'web', image: 'busybox', 'com.x': '1' });
  bus.publish('image', 'tag', 'sha256:1', { name: 'busybox:latest' });
  const seen: string[] = [];
  const off = bus.subscribe((e) => seen.push(`${e.Type}/${e.Action}`), { sinceNs: t0 - 1_000_000_000n });
  bus.publish('container', 'die', 'abc', { name: 'web', exitCode: '0' });
  off();
  bus.publish('container', 'destroy', 'abc', {});
  assert.deepEqual(seen, ['container/start', 'image/tag', 'container/die']);
  const e = bus.publish('container', 'exec_start: ls /', 'abc', { name: 'web', 'com.x': '1' });
  assert.equal(e.status, 'exec_start: ls /');
  assert.equal(e.from, undefined);
  assert.ok(matchesEventFilters(e, new Map([['event', ['exec_start']], ['label', ['com.x=1']]])));
  assert.ok(!matchesEventFilters(e, new Map([['type', ['image']]])));
  assert.ok(matchesEventFilters(e, new Map([['container', ['web']]])));
});
