/**
 * Compiles an OCI seccomp section to a BPF program with libseccomp (through koffi), once per distinct profile.
 *
 * Why: crun compiles the profile with libseccomp on every container start, which costs ~20 ms here — most of
 * a container's start time. crun accepts a precompiled program in the `run.oci.seccomp_bpf_data` annotation
 * (base64) and then skips its own compilation; the rules are the same libseccomp rules crun would add, so the
 * filter is the same. runc ignores the annotation and uses the seccomp section, which stays in the spec.
 */
import koffi from 'koffi';
import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { OciSeccomp } from './oci-spec.ts';

const ACTIONS: Record<string, number> = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
};
const OPS: Record<string, number> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
};
const EPERM = 1;

interface Libseccomp {
  init(def: number): unknown;
  release(ctx: unknown): void;
  archAdd(ctx: unknown, token: number): number;
  archResolve(name: string): number;
  resolve(name: string): number;
  ruleAdd(ctx: unknown, action: number, nr: number, count: number, args: unknown): number;
  exportBpf(ctx: unknown, fd: number): number;
}

let lib: Libseccomp | null | undefined;

function load(): Libseccomp | null {
  if (lib !== undefined) return lib;
  try {
    const so = koffi.load('libseccomp.so.2');
    koffi.struct('scmp_arg_cmp', { arg: 'uint32', op: 'int', datum_a: 'uint64', datum_b: 'uint64' });
    lib = {
      init: so.func('void *seccomp_init(uint32_t)'),
      release: so.func('void seccomp_release(void *)'),
      archAdd: so.func('int seccomp_arch_add(void *, uint32_t)'),
      archResolve: so.func('uint32_t seccomp_arch_resolve_name(const char *)'),
      resolve: so.func('int seccomp_syscall_resolve_name(const char *)'),
      ruleAdd: so.func('int seccomp_rule_add_array(void *, uint32_t, int, unsigned int, const scmp_arg_cmp *)'),
      exportBpf: so.func('int seccomp_export_bpf(void *, int)'),
    };
  } catch {
    lib = null;
  }
  return lib;
}

function action(name: string, errnoRet: number | undefined): number {
  const base = ACTIONS[name];
  if (base === undefined) throw new Error(`unsupported seccomp action ${name}`);
  if (name === 'SCMP_ACT_ERRNO' || name === 'SCMP_ACT_TRACE') return (base | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
  return base;
}

const cache = new Map<string, string | null>();

/** Base64 BPF for the profile, or null when it cannot be compiled here (crun then compiles it itself). */
export function seccompBpfBase64(profile: OciSeccomp): string | null {
  const key = createHash('sha256').update(JSON.stringify(profile)).digest('hex');
  if (cache.has(key)) return cache.get(key)!;
  let out: string | null = null;
  try {
    out = compile(profile);
  } catch {
    out = null;
  }
  cache.set(key, out);
  return out;
}

/** Linux O_TMPFILE (__O_TMPFILE | O_DIRECTORY); Node does not export it. */
const O_TMPFILE = 0o20200000;

function compile(profile: OciSeccomp): string | null {
  const s = load();
  if (!s) return null;
  // Flags (e.g. SECCOMP_FILTER_FLAG_LOG) and notify actions change how the filter is loaded: leave those to crun.
  if (profile.flags?.length) return null;
  const defaultAction = action(profile.defaultAction, profile.defaultErrnoRet);
  const ctx = s.init(defaultAction);
  if (!ctx) return null;
  try {
    for (const arch of profile.architectures ?? []) {
      const token = s.archResolve(arch.replace(/^SCMP_ARCH_/, '').toLowerCase());
      if (!token) continue;
      const rc = s.archAdd(ctx, token);
      if (rc !== 0 && rc !== -17 /* EEXIST: the native arch is already there */) return null;
    }
    for (const rule of profile.syscalls ?? []) {
      const act = action(rule.action, rule.errnoRet);
      if (act === defaultAction) continue; // libseccomp refuses rules that repeat the default
      const args = (rule.args ?? []).map((a) => ({ arg: a.index, op: OPS[a.op], datum_a: a.value, datum_b: a.valueTwo ?? 0 }));
      if (args.some((a) => a.op === undefined)) return null;
      for (const name of rule.names) {
        const nr = s.resolve(name);
        if (nr === -1) continue; // __NR_SCMP_ERROR: unknown here (crun skips these too)
        if (s.ruleAdd(ctx, act, nr, args.length, args.length ? args : null) !== 0) return null;
      }
    }
    // An unnamed file (O_TMPFILE): nothing is left in /tmp even if the daemon is killed right here.
    const fd = openSync(tmpdir(), fsConstants.O_RDWR | O_TMPFILE, 0o600);
    try {
      if (s.exportBpf(ctx, fd) !== 0) return null;
      const bpf = Buffer.alloc(fstatSync(fd).size);
      readSync(fd, bpf, 0, bpf.length, 0);
      return bpf.toString('base64');
    } finally {
      closeSync(fd);
    }
  } finally {
    s.release(ctx);
  }
}
