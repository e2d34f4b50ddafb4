import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, route } from './router.ts';

test('matches params, greedy image names, HEAD falls back to GET', async () => {
  const r = new Router();
  const h = async () => undefined;
  r.add([route('GET', '/images/:name*/json', h), route('POST', '/containers/:id/start', h), route('GET', '/_ping', h)]);
  assert.deepEqual(r.match('GET', '/images/127.0.0.1:5000/team/app:v1/json')?.params, { name: '127.0.0.1:5000/team/app:v1' });
  assert.deepEqual(r.match('POST', '/containers/abc/start')?.params, { id: 'abc' });
  assert.equal(r.match('GET', '/containers/abc/start'), undefined);
  assert.ok(r.hasPath('/containers/abc/start'));
  assert.ok(r.match('HEAD', '/_ping'));
  assert.equal(r.match('POST', '/containers/a/b/start'), undefined);
});
