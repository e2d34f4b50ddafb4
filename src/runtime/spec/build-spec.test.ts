import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, type SpecInput } from './build-spec.ts';
import { DEFAULT_CAPABILITIES, allCapabilities, resolveCapabilities } from './capabilities.ts';
import { translateSeccomp, type DockerSeccompProfile } from './seccomp.ts';
import { tmpfsOptions } from './tmpfs.ts';
import { CAPABILITY_NAMES } from './capabilities.ts';

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'c1', rootfs: '/tmp/rootfs', args: ['sh'], env: ['PATH=/bin'], cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, hostname: 'c1', privileged: false,
    capAdd: [], capDrop: [], readonlyRootfs: false, tmpfs: {}, binds: [], network: { mode: 'none' }, etcFiles: {},
    cgroupsPath: '/berth/c1', ...over,
  };
}

const mask = (caps: string[]) => caps.reduce((m, c) => m | (1n << BigInt(CAPABILITY_NAMES.indexOf(c as never))), 0n);

test('default capabilities are Docker\'s 14 (CapEff 00000000a80425fb)', () => {
  const s = buildSpec(input());
  assert.equal(s.process.capabilities!.effective.length, 14);
  assert.equal(mask(s.process.capabilities!.bounding).toString(16).padStart(16, '0'), '00000000a80425fb');
  assert.deepEqual(s.process.capabilities!.permitted, s.process.capabilities!.bounding);
});

test('cap-add / cap-drop follow Docker semantics', () => {
  assert.ok(resolveCapabilities({ privileged: false, capAdd: ['net_admin'], capDrop: ['CAP_CHOWN'] }).includes('CAP_NET_ADMIN'));
  assert.ok(!resolveCapabilities({ privileged: false, capAdd: [], capDrop: ['chown'] }).includes('CAP_CHOWN'));
  assert.deepEqual(resolveCapabilities({ privileged: false, capAdd: ['NET_RAW'], capDrop: ['ALL'] }), ['CAP_NET_RAW']);
  const all = resolveCapabilities({ privileged: false, capAdd: ['ALL'], capDrop: ['MKNOD'] });
  assert.equal(all.length, allCapabilities().length - 1);
  assert.throws(() => resolveCapabilities({ privileged: false, capAdd: ['FOO'], capDrop: [] }), /unknown capability: "CAP_FOO"/);
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
});

test('masked and readonly paths, mounts, devices, namespaces', () => {
  const s = buildSpec(input({ shmSize: 1024 * 1024 }));
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware']) assert.ok(s.linux.maskedPaths!.includes(p), p);
  assert.ok(s.linux.readonlyPaths!.includes('/proc/sys'));
  const dests = s.mounts.map((m) => m.destination);
  assert.deepEqual(dests, ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.ok(s.mounts.find((m) => m.destination === '/dev/shm')!.options!.includes('size=1048576'));
  assert.deepEqual(s.linux.namespaces.map((n) => n.type).sort(), ['ipc', 'mount', 'network', 'pid', 'uts']);
  assert.equal(s.linux.resources!.devices![0].allow, false);
  assert.equal(s.process.oomScoreAdj, 0);
  assert.equal(s.process.rlimits, undefined, 'no rlimits unless asked');
  assert.equal(s.linux.cgroupsPath, '/berth/c1');
  assert.equal(s.linux.seccomp!.defaultAction, 'SCMP_ACT_ERRNO');
});

test('network modes', () => {
  assert.ok(!buildSpec(input({ network: { mode: 'host' } })).linux.namespaces.some((n) => n.type === 'network'));
  const ns = buildSpec(input({ network: { mode: 'netns', path: '/run/netns/x' } })).linux.namespaces.find((n) => n.type === 'network');
  assert.deepEqual(ns, { type: 'network', path: '/run/netns/x' });
});

test('privileged: all caps, no seccomp, no masked paths, host devices, rw sysfs', () => {
  const s = buildSpec(input({ privileged: true }));
  assert.deepEqual(s.process.capabilities!.bounding, allCapabilities());
  assert.equal(s.linux.seccomp, undefined);
  assert.equal(s.linux.maskedPaths, undefined);
  assert.equal(s.linux.readonlyPaths, undefined);
  assert.ok(s.linux.devices!.some((d) => d.path === '/dev/null' && d.major === 1 && d.minor === 3));
  assert.ok(!s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.deepEqual(s.linux.resources!.devices, [{ allow: true, access: 'rwm' }]);
});

test('init, binds, tmpfs, etc files, ulimits, labels', () => {
  const s = buildSpec(input({
    init: '/usr/bin/tini-static', args: ['sleep', '1'],
    binds: [{ source: '/data', destination: '/mnt/', readonly: true }],
    tmpfs: { '/run': 'size=64m,exec', '/dev/shm': '' },
    etcFiles: { hosts: '/x/hosts', resolvConf: '/x/resolv.conf' },
    ulimits: [{ name: 'nofile', soft: 100, hard: 1e12 }], labels: { a: 'b' }, readonlyRootfs: true,
  }));
  assert.deepEqual(s.process.args, ['/sbin/docker-init', '--', 'sleep', '1']);
  assert.ok(s.mounts.some((m) => m.destination === '/sbin/docker-init' && m.source === '/usr/bin/tini-static'));
  assert.deepEqual(s.mounts.find((m) => m.destination === '/mnt'), { destination: '/mnt', type: 'bind', source: '/data', options: ['rbind', 'ro', 'rprivate'] });
  assert.deepEqual(s.mounts.find((m) => m.destination === '/run')!.options, ['nosuid', 'nodev', 'size=64m', 'exec', 'rprivate']);
  assert.equal(s.mounts.filter((m) => m.destination === '/dev/shm').length, 1, 'user tmpfs replaces the default shm');
  assert.ok(s.mounts.some((m) => m.destination === '/etc/hosts' && m.source === '/x/hosts'));
  assert.equal(s.root.readonly, true);
  const nofile = s.process.rlimits![0];
  assert.equal(nofile.type, 'RLIMIT_NOFILE');
  assert.ok(nofile.hard < 1e12, 'clamped to our own hard limit');
  assert.deepEqual(s.annotations, { a: 'b' });
});

test('tmpfs option merging', () => {
  assert.deepEqual(tmpfsOptions(''), ['noexec', 'nosuid', 'nodev', 'rprivate']);
  assert.deepEqual(tmpfsOptions('mode=755,suid'), ['noexec', 'nodev', 'mode=755', 'suid', 'rprivate']);
});

test('seccomp translation: arch map, includes/excludes by caps and arch, minKernel', () => {
  const profile: DockerSeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1,
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }, { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
      { names: ['breakpoint'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm'] } },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
      { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['newer'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.1' } },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] },
    ],
  };
  const s = translateSeccomp(profile, { capabilities: ['CAP_SYS_CHROOT'], arch: 'amd64', kernel: '6.1.0' });
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const names = s.syscalls!.map((c) => `${c.names[0]}:${c.action}`);
  assert.deepEqual(names, ['read:SCMP_ACT_ALLOW', 'arch_prctl:SCMP_ACT_ALLOW', 'chroot:SCMP_ACT_ALLOW', 'bpf:SCMP_ACT_ERRNO', 'clone:SCMP_ACT_ALLOW']);
  assert.equal(s.defaultErrnoRet, 1);
  assert.deepEqual(s.syscalls![4].args, [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  const admin = translateSeccomp(profile, { capabilities: ['CAP_SYS_ADMIN'], arch: 'amd64', kernel: '7.2' });
  assert.ok(admin.syscalls!.some((c) => c.names[0] === 'bpf' && c.action === 'SCMP_ACT_ALLOW'));
  assert.ok(admin.syscalls!.some((c) => c.names[0] === 'newer'));
});

test('the installed Docker profile translates for default caps', () => {
  const s = buildSpec(input()).linux.seccomp!;
  assert.ok(s.architectures!.includes('SCMP_ARCH_X86_64'));
  const allowed = new Set(s.syscalls!.filter((c) => c.action === 'SCMP_ACT_ALLOW').flatMap((c) => c.names));
  assert.ok(allowed.has('read') && allowed.has('chroot') && allowed.has('arch_prctl'));
  assert.ok(!allowed.has('bpf') && !allowed.has('init_module'));
});
