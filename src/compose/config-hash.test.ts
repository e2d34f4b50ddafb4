import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceConfigHash, stableJson } from './config-hash.ts';
import type { Service } from './model.ts';

const svc = (o: Partial<Service>): Service => ({ name: 'web', environment: {}, ports: [], expose: [], volumes: [], networks: { default: null }, depends_on: {}, labels: {}, extra_hosts: [], secrets: [], configs: [], ...o });

test('key order does not matter; replicas do not count; environment does', () => {
  assert.equal(stableJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  const a = serviceConfigHash(svc({ image: 'x', environment: { A: '1', B: '2' } }));
  assert.equal(a, serviceConfigHash(svc({ environment: { B: '2', A: '1' }, image: 'x' })));
  assert.equal(serviceConfigHash(svc({ image: 'x', deploy: { replicas: 2 } })), serviceConfigHash(svc({ image: 'x', deploy: { replicas: 5 } })));
  assert.notEqual(a, serviceConfigHash(svc({ image: 'x', environment: { A: '1', B: '3' } })));
  assert.match(a, /^[0-9a-f]{64}$/);
});
