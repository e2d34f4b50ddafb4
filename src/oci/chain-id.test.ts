import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chainId, chainIds } from './chain-id.ts';
import type { Digest } from './image-spec.ts';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}` as Digest;

test('chain id of one layer is its diff id', () => {
  const a = sha('a');
  assert.equal(chainId([a]), a);
});

test('chain id folds with a space separator', () => {
  const [a, b, c] = [sha('a'), sha('b'), sha('c')];
  const ab = sha(`${a} ${b}`);
  assert.equal(chainId([a, b]), ab);
  assert.equal(chainId([a, b, c]), sha(`${ab} ${c}`));
  assert.deepEqual(chainIds([a, b, c]), [a, ab, sha(`${ab} ${c}`)]);
  assert.throws(() => chainId([]));
});
