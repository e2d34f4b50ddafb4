import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../flags/parse-flags.ts';
import { CONTAINER_FLAGS, RUN_ONLY_FLAGS, buildCreateRequest, parsePublish } from './container-options.ts';

const parse = (argv: string[]) => parseFlags(argv, [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS], { interspersed: false });

test('run flags become the create body', () => {
  const flags = parse(['-it', '--rm', '--name', 'x', '-e', 'A=1', '-e', 'HOME_X', '-v', '/h:/c:ro', '-v', '/anon', '--tmpfs', '/run:size=1m',
    '--cap-add', 'NET_ADMIN', '--read-only', '--init', '-w', '/w', '-u', '1000', '--entrypoint', 'sh', '-l', 'k=v', '--network', 'mynet',
    '--stop-signal', 'SIGINT', '--stop-timeout', '3', '-p', '8080:80', 'alpine', 'ls', '-la']);
  const req = buildCreateRequest(flags, { HOME_X: '/home/x' }, { detach: false });
  assert.equal(req.name, 'x');
  assert.equal(req.image, 'alpine');
  const b = req.body as Record<string, any>;
  assert.deepEqual(b.Cmd, ['ls', '-la']);
  assert.deepEqual(b.Env, ['A=1', 'HOME_X=/home/x']);
  assert.equal(b.Tty, true);
  assert.equal(b.OpenStdin, true);
  assert.equal(b.AttachStdin, true);
  assert.equal(b.StdinOnce, true);
  assert.deepEqual(b.Entrypoint, ['sh']);
  assert.deepEqual(b.Volumes, { '/anon': {} });
  assert.deepEqual(b.Labels, { k: 'v' });
  assert.equal(b.StopTimeout, 3);
  assert.deepEqual(b.ExposedPorts, { '80/tcp': {} });
  assert.deepEqual(b.HostConfig.Binds, ['/h:/c:ro']);
  assert.equal(b.HostConfig.AutoRemove, true);
  assert.deepEqual(b.HostConfig.Tmpfs, { '/run': 'size=1m' });
  assert.equal(b.HostConfig.ReadonlyRootfs, true);
  assert.equal(b.HostConfig.Init, true);
  assert.equal(b.HostConfig.NetworkMode, 'mynet');
  assert.deepEqual(b.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(b.NetworkingConfig.EndpointsConfig, { mynet: {} });
});

test('detached runs attach nothing; -a selects streams', () => {
  const d = buildCreateRequest(parse(['-d', 'img']), {}, { detach: true });
  assert.equal(d.config.AttachStdout, false);
  const a = buildCreateRequest(parse(['-a', 'stdout', 'img']), {}, { detach: false });
  assert.deepEqual([a.config.AttachStdin, a.config.AttachStdout, a.config.AttachStderr], [false, true, false]);
});

test('restart policies and conflicts', () => {
  assert.deepEqual(buildCreateRequest(parse(['--restart', 'on-failure:3', 'img']), {}, { detach: true }).hostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.throws(() => buildCreateRequest(parse(['--rm', '--restart', 'always', 'img']), {}, { detach: true }), /Conflicting options: --restart and --rm/);
});

test('publish specs', () => {
  assert.deepEqual(parsePublish('127.0.0.1:80:8080/udp'), { key: '8080/udp', binding: { HostIp: '127.0.0.1', HostPort: '80' } });
  assert.deepEqual(parsePublish('80'), { key: '80/tcp', binding: { HostIp: '', HostPort: '' } });
});
