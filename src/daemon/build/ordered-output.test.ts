import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderedOutput } from './ordered-output.ts';

test('later stages are held until the earlier ones finish, then come out in stage order', () => {
  const seen: string[] = [];
  const out = new OrderedOutput({ write: (m) => seen.push((m as { s: string }).s) }, [0, 1, 2]);
  const [a, b, c] = [out.channel(0), out.channel(1), out.channel(2)];
  c.write({ s: 'c1' });
  a.write({ s: 'a1' });
  b.write({ s: 'b1' });
  out.finish(2);
  assert.deepEqual(seen, ['a1']);
  a.write({ s: 'a2' });
  out.finish(0);
  assert.deepEqual(seen, ['a1', 'a2', 'b1']);
  b.write({ s: 'b2' });
  out.finish(1);
  assert.deepEqual(seen, ['a1', 'a2', 'b1', 'b2', 'c1']);
});

test('flushAll writes what is held, in order', () => {
  const seen: string[] = [];
  const out = new OrderedOutput({ write: (m) => seen.push((m as { s: string }).s) }, [3, 5]);
  out.channel(5).write({ s: 'late' });
  out.channel(3).write({ s: 'early' });
  out.flushAll();
  assert.deepEqual(seen, ['early', 'late']);
});
