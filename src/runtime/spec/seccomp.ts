/**
 * Translate a Docker-format seccomp profile (archMap, includes/excludes by caps, arches, minKernel) into the
 * OCI `linux.seccomp` for this host (moby profiles/seccomp.setupSeccomp). Profiles are read and parsed once.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { invalidArgument } from '../../lib/errdefs.ts';
import type { OciSeccomp, OciSeccompArg, OciSeccompSyscall } from './oci-spec.ts';

export const DEFAULT_SECCOMP_PROFILE = '/usr/share/containers/seccomp.json';

interface Filter { caps?: string[]; arches?: string[]; minKernel?: string }
interface DockerSyscall {
  name?: string; names?: string[]; action: string; errnoRet?: number; args?: OciSeccompArg[] | null;
  includes?: Filter; excludes?: Filter;
}
export interface DockerSeccompProfile {
  defaultAction: string; defaultErrnoRet?: number;
  architectures?: string[]; archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: DockerSyscall[]; flags?: string[];
}

/** Node's process.arch -> the Go GOARCH names profiles use in includes/excludes. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };
/** GOARCH -> native seccomp arch. */
const SECCOMP_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', '386': 'SCMP_ARCH_X86', arm: 'SCMP_ARCH_ARM',
  s390x: 'SCMP_ARCH_S390X', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64',
};

const profileCache = new Map<string, DockerSeccompProfile>();

export function loadSeccompProfile(path: string): DockerSeccompProfile {
  let p = profileCache.get(path);
  if (!p) {
    try { p = JSON.parse(readFileSync(path, 'utf8')) as DockerSeccompProfile; } catch (err) {
      throw invalidArgument(`opening seccomp profile (${path}) failed: ${(err as Error).message}`, { cause: err });
    }
    profileCache.set(path, p);
  }
  return p;
}

function kernelAtLeast(min: string, kernel: string): boolean {
  const parse = (v: string) => v.split(/[.-]/).slice(0, 2).map((x) => Number.parseInt(x, 10) || 0);
  const [a, b] = parse(kernel);
  const [c, d] = parse(min);
  return a > c || (a === c && b >= d);
}

export function translateSeccomp(
  profile: DockerSeccompProfile,
  o: { capabilities: readonly string[]; arch?: string; kernel?: string },
): OciSeccomp {
  const goarch = o.arch ?? GOARCH[process.arch] ?? process.arch;
  const kernel = o.kernel ?? release();
  const native = SECCOMP_ARCH[goarch];
  const architectures: string[] = [];
  if (profile.architectures?.length) architectures.push(...profile.architectures);
  else for (const a of profile.archMap ?? []) {
    if (a.architecture === native) architectures.push(a.architecture, ...(a.subArchitectures ?? []));
  }
  const has = (c: string) => o.capabilities.includes(c);
  const syscalls: OciSeccompSyscall[] = [];
  for (const call of profile.syscalls ?? []) {
    const ex = call.excludes ?? {};
    const inc = call.includes ?? {};
    if (ex.arches?.length && ex.arches.includes(goarch)) continue;
    if (ex.caps?.length && ex.caps.some(has)) continue;
    if (ex.minKernel && kernelAtLeast(ex.minKernel, kernel)) continue;
    if (inc.arches?.length && !inc.arches.includes(goarch)) continue;
    if (inc.caps?.length && !inc.caps.every(has)) continue;
    if (inc.minKernel && !kernelAtLeast(inc.minKernel, kernel)) continue;
    const names = call.names?.length ? call.names : call.name ? [call.name] : [];
    const out: OciSeccompSyscall = { names, action: call.action };
    if (call.errnoRet !== undefined) out.errnoRet = call.errnoRet;
    if (call.args?.length) out.args = call.args.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
    syscalls.push(out);
  }
  const result: OciSeccomp = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (profile.defaultErrnoRet !== undefined) result.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags?.length) result.flags = profile.flags;
  return result;
}

const translatedCache = new Map<string, OciSeccomp>();

/** The OCI seccomp section for a profile path and capability set, memoised (specs never mutate it). */
export function seccompFor(path: string, capabilities: readonly string[]): OciSeccomp {
  const key = `${path}\0${[...capabilities].sort().join(',')}`;
  let s = translatedCache.get(key);
  if (!s) {
    s = translateSeccomp(loadSeccompProfile(path), { capabilities });
    translatedCache.set(key, s);
  }
  return s;
}
