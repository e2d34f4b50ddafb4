/**
 * Resource limits and stats (issue 6) with the real docker CLI: OOM kill reported, pids limit, CPU quota seen in
 * `docker stats --no-stream`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from './harness.ts';

describe('resource limits and stats', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
  });

  test('--memory 64m: allocating 200 MB is OOM-killed and inspect says so', async () => {
    const r = await d.docker(['run', '--name', 'oomer', '--memory', '64m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1']);
    assert.equal(r.code, 137);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oomer']), 'true 137');
    await d.ok(['rm', 'oomer']);
    const small = await d.docker(['run', '--rm', '-m', '3m', 'busybox', 'true']);
    assert.equal(small.code, 125);
    assert.match(small.stderr, /Minimum memory limit allowed is 6MB/);
  });

  test('--pids-limit 20 stops a fork bomb', async () => {
    const r = await d.docker(['run', '--rm', '--pids-limit', '20', 'busybox', 'sh', '-c', 'for i in $(seq 1 40); do sleep 5 & done; wait']);
    assert.match(r.stderr, /can't fork/);
  });

  test('--cpus 0.5 holds a busy loop near 50% in docker stats --no-stream', async () => {
    await d.ok(['run', '-d', '--name', 'busy', '--cpus', '0.5', 'busybox', 'sh', '-c', 'while true; do :; done']);
    await new Promise((r) => setTimeout(r, 1500));
    const out = await d.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'busy']);
    const [name, cpu, , , , pids] = out.split(' ');
    assert.equal(name, 'busy');
    const pct = Number(cpu.replace('%', ''));
    assert.ok(pct > 30 && pct < 65, `cpu ${cpu}`);
    assert.equal(pids, '1');
    const json = JSON.parse((await d.api('GET', '/v1.50/containers/busy/stats?stream=0&one-shot=1')).body);
    assert.ok(json.cpu_stats.cpu_usage.total_usage > 0);
    assert.ok(json.memory_stats.usage > 0);
    await d.ok(['rm', '-f', 'busy']);
  });

  test('docker update changes limits of a running container; rm -f beats a restart policy', async () => {
    await d.ok(['run', '-d', '--name', 'upd', '-m', '64m', 'busybox', 'sleep', '100']);
    await d.ok(['update', '--memory', '128m', '--memory-swap', '256m', '--cpus', '0.5', '--restart', 'on-failure:3', 'upd']);
    assert.equal(await d.ok(['exec', 'upd', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']), String(128 * 1024 * 1024));
    assert.equal(await d.ok(['exec', 'upd', 'cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us']), '50000');
    assert.equal(await d.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}', 'upd']), `${128 * 1024 * 1024} on-failure`);
    await d.ok(['rm', '-f', 'upd']);
    assert.equal(await d.ok(['ps', '-aq']), '');
  });

  test('--device makes a host device node available', async () => {
    assert.match(await d.ok(['run', '--rm', '--device', '/dev/null:/dev/mynull', 'busybox', 'sh', '-c', 'echo x > /dev/mynull && ls -l /dev/mynull']), /^c.* 1,\s+3 .*\/dev\/mynull$/m);
    // The CLI turns any "no such file or directory" error into exit status 127, as with Docker.
    const bad = await d.docker(['run', '--rm', '--device', '/dev/nonexist', 'busybox', 'true']);
    assert.equal(bad.code, 127);
    assert.equal(await d.ok(['ps', '-aq']), '');
    assert.match(bad.stderr, /error gathering device information while adding custom device "\/dev\/nonexist"/);
  });
});
