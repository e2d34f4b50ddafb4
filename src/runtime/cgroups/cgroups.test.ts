/** Both cgroup versions read from fixture hierarchies laid out as the kernel lays them out. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupFs } from './index.ts';

const ID = 'a'.repeat(64);
const CG = `/berth/${ID}`;

async function files(dir: string, contents: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(contents)) await writeFile(join(dir, name), text);
}

describe('cgroup hierarchies', () => {
  let tmp: string;
  let proc: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'berth-cgroups-'));
    proc = join(tmp, 'proc');
    await files(proc, { stat: 'cpu  100 0 50 850 0 0 0 0 0 0\ncpu0 50 0 25 425 0 0 0 0 0 0\ncpu1 50 0 25 425 0 0 0 0 0 0\n' });
    await files(join(proc, '42/net'), {
      dev: 'Inter-|   Receive\n face |bytes\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n',
    });
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  test('v2: cpu.stat in µs, memory.max "max", io.stat, memory.events oom_kill', async () => {
    const root = join(tmp, 'v2');
    await files(root, { 'cgroup.controllers': 'cpu memory pids io\n' });
    await files(join(root, CG), {
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 3\nthrottled_usec 20\n',
      'memory.current': '4096\n', 'memory.peak': '8192\n', 'memory.max': 'max\n',
      'memory.stat': 'anon 1024\nfile 2048\ninactive_file 512\n',
      'memory.events': 'low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n',
      'pids.current': '3\n', 'pids.max': 'max\n',
      'io.stat': '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n',
    });
    const cg = detectCgroupFs(root, proc);
    assert.equal(cg.version, 2);
    const s = await cg.sample(CG, 42);
    assert.equal(s.cpuTotal, 1_500_000);
    assert.equal(s.cpuUser, 1_000_000);
    assert.equal(s.cpuSystem, 500_000);
    assert.deepEqual(s.cpuPerCpu, []);
    assert.deepEqual(s.throttling, { periods: 7, throttledPeriods: 3, throttledTime: 20_000 });
    assert.equal(s.systemCpu, 1000 * 1e7);
    assert.equal(s.onlineCpus, 2);
    assert.equal(s.memUsage, 4096);
    assert.equal(s.memMaxUsage, 8192);
    assert.equal(s.memLimit, Infinity);
    assert.equal(s.memStats.inactive_file, 512);
    assert.equal(s.pids, 3);
    assert.equal(s.pidsLimit, 0);
    assert.deepEqual(s.blkio, [{ major: 8, minor: 0, op: 'read', value: 4096 }, { major: 8, minor: 0, op: 'write', value: 8192 }]);
    assert.deepEqual(s.blkioOps.map((e) => e.value), [1, 2]);
    assert.deepEqual(Object.keys(s.networks), ['eth0']);
    assert.equal(s.networks.eth0.tx_bytes, 2000);
    assert.equal(await cg.oomKilled(CG), true);
    assert.deepEqual((await cg.children('/berth')).map((c) => c.name), [ID]);
  });

  test('v1: one hierarchy per controller, ticks and ns', async () => {
    const root = join(tmp, 'v1');
    await files(join(root, 'cpuacct', CG), { 'cpuacct.usage': '1500000\n', 'cpuacct.usage_percpu': '1000000 500000\n', 'cpuacct.stat': 'user 10\nsystem 5\n' });
    await files(join(root, 'cpu', CG), { 'cpu.stat': 'nr_periods 7\nnr_throttled 3\nthrottled_time 20000\n' });
    await files(join(root, 'memory', CG), {
      'memory.usage_in_bytes': '4096\n', 'memory.max_usage_in_bytes': '8192\n', 'memory.limit_in_bytes': '67108864\n',
      'memory.stat': 'cache 2048\ntotal_inactive_file 512\n', 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
    });
    await files(join(root, 'pids', CG), { 'pids.current': '3\n', 'pids.max': '20\n' });
    await files(join(root, 'blkio', CG), { 'blkio.throttle.io_service_bytes': '8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n', 'blkio.throttle.io_serviced': '8:0 Read 1\n8:0 Write 2\n' });
    const cg = detectCgroupFs(root, proc);
    assert.equal(cg.version, 1);
    const s = await cg.sample(CG, 0);
    assert.equal(s.cpuTotal, 1_500_000);
    assert.deepEqual(s.cpuPerCpu, [1_000_000, 500_000]);
    assert.equal(s.cpuUser, 100_000_000);
    assert.equal(s.memLimit, 67108864);
    assert.equal(s.pidsLimit, 20);
    assert.deepEqual(s.blkio.map((e) => `${e.op}=${e.value}`), ['read=4096', 'write=8192']);
    assert.deepEqual(s.blkioOps.map((e) => e.value), [1, 2]);
    assert.deepEqual(s.networks, {});
    assert.equal(await cg.oomKilled(CG), false);
    assert.deepEqual((await cg.children('/berth')).map((c) => c.dir).sort(), ['blkio', 'cpu', 'cpuacct', 'memory', 'pids'].map((c) => join(root, c, CG)));
  });
});
