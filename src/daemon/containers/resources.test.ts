import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discardUnsupported, resourceLimits } from './resources.ts';
import type { HostConfig } from '../../api/types/index.ts';

test('resource limits: Docker-style OCI resources and checks', () => {
  assert.deepEqual(resourceLimits({ NanoCpus: 500_000_000, PidsLimit: 20 } as HostConfig), { cpu: { period: 100_000, quota: 50_000 }, pids: { limit: 20 } });
  assert.throws(() => resourceLimits({ Memory: 1024 } as HostConfig), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => resourceLimits({ NanoCpus: 1e9, CpuQuota: 50_000 } as HostConfig), /Conflicting options: Nano CPUs and CPU Period cannot both be set/);
});

test('cgroup v2: --oom-kill-disable is discarded with Docker\'s warning; v1 keeps it', () => {
  const v2: HostConfig = { OomKillDisable: true };
  assert.deepEqual(discardUnsupported(v2, 2), ['Your kernel does not support OomKillDisable. OomKillDisable discarded.']);
  assert.equal(v2.OomKillDisable, false);
  assert.equal(resourceLimits(v2), undefined);
  const v1: HostConfig = { OomKillDisable: true };
  assert.deepEqual(discardUnsupported(v1, 1), []);
  assert.deepEqual(resourceLimits(v1), { memory: { disableOOMKiller: true } });
});
