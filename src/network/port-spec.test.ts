import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortSpec } from './port-spec.ts';

test('container port only: random host port on every address', () => {
  assert.deepEqual(parsePortSpec('80'), [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 0 }]);
});

test('host:container, ip:host:container, ip::container, proto', () => {
  assert.deepEqual(parsePortSpec('8080:80'), [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 8080 }]);
  assert.deepEqual(parsePortSpec('127.0.0.1:8080:80/udp'), [{ containerPort: 80, proto: 'udp', hostIp: '127.0.0.1', hostPort: 8080 }]);
  assert.deepEqual(parsePortSpec('127.0.0.1::80/SCTP'), [{ containerPort: 80, proto: 'sctp', hostIp: '127.0.0.1', hostPort: 0 }]);
  assert.deepEqual(parsePortSpec('[::1]:53:53/udp'), [{ containerPort: 53, proto: 'udp', hostIp: '::1', hostPort: 53 }]);
});

test('ranges map one to one; a host range for one container port is a choice', () => {
  assert.deepEqual(parsePortSpec('8000-8001:80-81'), [
    { containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 8000 },
    { containerPort: 81, proto: 'tcp', hostIp: '', hostPort: 8001 },
  ]);
  assert.deepEqual(parsePortSpec('8000-8010:80'), [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 8000, hostPortEnd: 8010 }]);
  assert.equal(parsePortSpec('7000-7002').length, 3);
});

test("docker's error texts", () => {
  assert.throws(() => parsePortSpec('8000:80-81'), /invalid ranges specified for container and host Ports: 80-81 and 8000/);
  assert.throws(() => parsePortSpec('80/xtp'), /invalid proto: xtp/);
  assert.throws(() => parsePortSpec('1.2.3:80:80'), /invalid IP address: 1.2.3/);
  assert.throws(() => parsePortSpec('abc'), /invalid containerPort: abc/);
  assert.throws(() => parsePortSpec('x:80'), /invalid hostPort: x/);
  assert.throws(() => parsePortSpec('70000'), /invalid containerPort: 70000/);
  assert.throws(() => parsePortSpec('8080:'), /no port specified: 8080:<empty>/);
});
