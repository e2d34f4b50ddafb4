import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SECCOMP_PROFILE, loadSeccompProfile, translateSeccomp } from './seccomp.ts';
import { seccompBpfBase64 } from './seccomp-bpf.ts';

test('the default profile compiles to a BPF program', () => {
  const profile = translateSeccomp(loadSeccompProfile(DEFAULT_SECCOMP_PROFILE), { capabilities: [] });
  const bpf = Buffer.from(seccompBpfBase64(profile) ?? '', 'base64');
  assert.ok(bpf.length > 100 * 8, `a real filter (${bpf.length} bytes)`);
  assert.equal(bpf.length % 8, 0, 'whole sock_filter instructions');
});
