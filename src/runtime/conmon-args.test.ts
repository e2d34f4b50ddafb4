import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConmonArgs } from './conmon-args.ts';

test('conmon argv for a container and for an exec session', () => {
  const base = {
    runtimePath: '/usr/bin/crun', runtimeArgs: ['--root', '/r'], id: 'c1', sessionId: 'c1', bundleDir: '/b',
    containerPidFile: '/b/container.pid', conmonPidFile: '/b/conmon.pid', exitDir: '/x', runtimeLogPath: '/b/runtime.log',
  };
  assert.deepEqual(buildConmonArgs({ ...base, logPath: '/l/c1.log', terminal: true, stdin: true, leaveStdinOpen: true }), [
    '--api-version', '1', '-c', 'c1', '-u', 'c1', '-r', '/usr/bin/crun', '-b', '/b', '-p', '/b/container.pid', '-n', 'c1',
    '--exit-dir', '/x', '--full-attach', '--socket-dir-path', '/b', '-l', 'k8s-file:/l/c1.log', '--log-level', 'warn',
    '--conmon-pidfile', '/b/conmon.pid', '--no-sync-log', '--runtime-arg', '--root', '--runtime-arg', '/r', '--runtime-arg', '--log-format=json',
    '--runtime-arg', '--log=/b/runtime.log', '-t', '-i', '--leave-stdin-open',
  ]);
  const exec = buildConmonArgs({ ...base, sessionId: 's1', terminal: false, stdin: false, leaveStdinOpen: false, exec: { processSpec: '/b/p.json', attach: true } });
  assert.deepEqual(exec.slice(-4), ['-e', '--exec-process-spec', '/b/p.json', '--exec-attach']);
  assert.equal(exec[exec.indexOf('-l') + 1], 'none');
});
