import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConflict } from '../lib/index.ts';
import { Ipam } from './ipam.ts';
import { allocateSubnet } from './subnet-allocator.ts';

test('ipam: gateway reserved, lowest free first, no double allocation, persisted across instances', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ipam-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = new Ipam({ dir });
  assert.deepEqual(await a.createPool('n1', { subnet: '10.213.1.0/29' }), { gateway: '10.213.1.1' });
  const ips = await Promise.all([a.allocate('n1', { owner: 'c1' }), a.allocate('n1', { owner: 'c2' })]);
  assert.deepEqual(ips.sort(), ['10.213.1.2', '10.213.1.3']);
  const b = new Ipam({ dir });                       // a restarted daemon
  assert.equal(await b.allocate('n1'), '10.213.1.4');
  await b.release('n1', '10.213.1.2');
  assert.equal(await b.allocate('n1', { owner: 'c3' }), '10.213.1.2');
  await assert.rejects(b.allocate('n1', { preferred: '10.213.1.3' }), (e) => isConflict(e));
  assert.equal(await b.allocate('n1', { preferred: '10.213.1.6' }), '10.213.1.6');
  assert.equal(await b.allocate('n1'), '10.213.1.5');
  await assert.rejects(b.allocate('n1'), /no available IPv4 addresses/);   // .7 is the broadcast address
  assert.deepEqual((await b.allocations('n1')).find((x) => x.owner === 'c3'), { ip: '10.213.1.2', owner: 'c3' });
  await b.release('n1', '10.213.1.1');               // the gateway stays
  assert.equal((await b.allocations('n1')).find((x) => x.ip === '10.213.1.1')?.owner, 'gateway');
});

test('ipam: ip-range and explicit gateway', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ipam-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = new Ipam({ dir });
  assert.deepEqual(await a.createPool('n2', { subnet: '10.213.0.0/16', ipRange: '10.213.5.0/24', gateway: '10.213.0.254' }), { gateway: '10.213.0.254' });
  assert.equal(await a.allocate('n2'), '10.213.5.0');
  assert.equal(await a.allocate('n2', { preferred: '10.213.9.9' }), '10.213.9.9');
  await assert.rejects(a.allocate('n2', { preferred: '10.214.0.1' }), /no configured subnet/);
  await assert.rejects(a.createPool('n3', { subnet: '10.213.0.0/24', ipRange: '10.213.1.0/24' }), /does not contain/);
});

test('allocateSubnet skips used subnets and host routes', async () => {
  const pools = [{ base: '172.17.0.0/16', size: 16 }, { base: '172.18.0.0/16', size: 16 }, { base: '192.168.0.0/16', size: 20 }];
  assert.deepEqual(await allocateSubnet(pools, [], { hostRoutes: [] }), { subnet: '172.17.0.0/16', gateway: '172.17.0.1' });
  assert.deepEqual(await allocateSubnet(pools, ['172.18.0.0/16'], { hostRoutes: ['172.17.0.0/16'] }),
    { subnet: '192.168.0.0/20', gateway: '192.168.0.1' });
  assert.deepEqual(await allocateSubnet(pools, ['172.17.0.0/16', '172.18.0.0/16', '192.168.0.0/20'], { hostRoutes: ['192.168.17.0/24'] }),
    { subnet: '192.168.32.0/20', gateway: '192.168.32.1' });
  await assert.rejects(allocateSubnet([{ base: '10.213.0.0/24', size: 24 }], ['10.213.0.0/16'], { hostRoutes: [] }), /non-overlapping/);
  assert.ok((await allocateSubnet(pools, [])).subnet);   // real host routes
});
