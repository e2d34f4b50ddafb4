import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig, mergeEnv, normalizeHostConfig, validateRestartPolicy } from './config-merge.ts';

test('request Cmd replaces the image Cmd; image Entrypoint stays', () => {
  const m = mergeConfig({ Image: 'x', Cmd: ['echo', 'hi'] }, { Entrypoint: ['/init'], Cmd: ['sh'] }, 'x');
  assert.equal(m.path, '/init');
  assert.deepEqual(m.args, ['echo', 'hi']);
});

test('an Entrypoint given without Cmd drops the image Cmd', () => {
  const m = mergeConfig({ Image: 'x', Entrypoint: ['ls'] }, { Cmd: ['sh'] }, 'x');
  assert.deepEqual([m.path, ...m.args], ['ls']);
  assert.equal(m.config.Cmd, null);
});

test('an empty Entrypoint string clears the image entrypoint', () => {
  const m = mergeConfig({ Image: 'x', Entrypoint: [''], Cmd: ['true'] }, { Entrypoint: ['/init'] }, 'x');
  assert.deepEqual([m.path, ...m.args], ['true']);
});

test('no command at all is an error', () => {
  assert.throws(() => mergeConfig({ Image: 'x' }, {}, 'x'), /no command specified/);
});

test('env merges by key, request wins, PATH defaulted', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
  const m = mergeConfig({ Image: 'x', Cmd: ['true'], Env: ['A=1'] }, {}, 'x');
  assert.ok(m.config.Env!.some((e) => e.startsWith('PATH=/usr/local/sbin')));
  assert.ok(m.config.Env!.includes('A=1'));
});

test('user and workdir fall back to the image', () => {
  const m = mergeConfig({ Image: 'x', Cmd: ['true'] }, { User: 'nobody', WorkingDir: '/app' }, 'x');
  assert.equal(m.config.User, 'nobody');
  assert.equal(m.config.WorkingDir, '/app');
});

test('host config defaults and restart policy validation', () => {
  const hc = normalizeHostConfig(undefined);
  assert.equal(hc.NetworkMode, 'bridge');
  assert.deepEqual(hc.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
  assert.equal(hc.ShmSize, 64 * 1024 * 1024);
  assert.throws(() => validateRestartPolicy({ RestartPolicy: { Name: 'sometimes' } }), /invalid restart policy/);
  assert.throws(() => validateRestartPolicy({ RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } }), /on-failure/);
});
