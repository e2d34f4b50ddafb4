/**
 * Host preparation at daemon start. crun 1.8.1 refuses to run on a cgroup v1 host where any controller known
 * to the kernel is not mounted on the v1 hierarchy ("cgroups in hybrid mode not supported"); here that is
 * hugetlb. We mount the missing controllers the way cgroupfs-mount does (one hierarchy each, only if missing)
 * and fall back to runc when that is impossible.
 */
import { access, mkdir, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { execFile } from '../lib/exec.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** `runtime` is the default; `available` lists every runtime that can run containers here. */
export interface HostReport { runtime: 'crun' | 'runc'; available: ('crun' | 'runc')[]; notes: string[] }

/** v1 controllers the kernel has (enabled) but which are mounted nowhere. */
export async function unmountedV1Controllers(): Promise<string[]> {
  const cgroups = await readFile('/proc/cgroups', 'utf8');
  const enabled = cgroups.split('\n').slice(1).map((l) => l.split('\t')).filter((r) => r.length >= 4 && r[3].trim() === '1');
  // hierarchy id 0 means the controller is bound to no v1 hierarchy (it is on cgroup2 or nowhere)
  return enabled.filter((r) => r[1] === '0').map((r) => r[0]);
}

async function isCgroupV1Host(): Promise<boolean> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((l) => { const f = l.split(' '); return f[2] === 'cgroup' && f[1].startsWith(`${CGROUP_ROOT}/`); });
}

async function executable(p: string): Promise<boolean> {
  try { await access(p, constants.X_OK); return true; } catch { return false; }
}

export async function mountMissingControllers(notes: string[]): Promise<boolean> {
  const missing = (await unmountedV1Controllers()).filter((c) => c === 'hugetlb' || c === 'net_cls' || c === 'net_prio' || c === 'perf_event');
  let ok = true;
  for (const c of missing) {
    const dir = `${CGROUP_ROOT}/${c}`;
    try {
      await mkdir(dir, { recursive: true });
      await execFile('mount', ['-t', 'cgroup', '-o', c, 'cgroup', dir]);
      notes.push(`mounted cgroup v1 controller ${c} at ${dir}`);
    } catch (err) {
      ok = false;
      notes.push(`could not mount cgroup v1 controller ${c}: ${(err as Error).message}`);
    }
  }
  return ok;
}

export async function prepareHost(o: { preferred?: 'crun' | 'runc' } = {}): Promise<HostReport> {
  const notes: string[] = [];
  const preferred = o.preferred ?? 'crun';
  const hasCrun = await executable('/usr/bin/crun');
  const hasRunc = await executable('/usr/bin/runc');
  let crunUsable = hasCrun;
  if (hasCrun && (await isCgroupV1Host())) {
    crunUsable = await mountMissingControllers(notes);
    const still = (await unmountedV1Controllers()).filter((c) => c === 'hugetlb');
    if (still.length) { crunUsable = false; notes.push(`crun cannot run: cgroup controller(s) ${still.join(', ')} not on the v1 hierarchy`); }
  }
  const available = [...(crunUsable ? ['crun' as const] : []), ...(hasRunc ? ['runc' as const] : [])];
  if (preferred === 'crun' && crunUsable) return { runtime: 'crun', available, notes };
  if (preferred === 'runc' && hasRunc) return { runtime: 'runc', available, notes };
  if (crunUsable) { notes.push(`runtime ${preferred} unavailable, using crun`); return { runtime: 'crun', available, notes }; }
  if (hasRunc) { notes.push(`runtime ${preferred} unavailable, falling back to runc`); return { runtime: 'runc', available, notes }; }
  notes.push('neither crun nor runc is usable');
  return { runtime: preferred, available, notes };
}
