/**
 * --ulimit -> process.rlimits. Only what the user asked for, and never above this process's hard limit:
 * without CAP_SYS_RESOURCE a higher value makes the runtime fail with "setrlimit: Operation not permitted".
 */
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../../lib/errdefs.ts';
import type { OciRlimit } from './oci-spec.ts';

/** Docker's --ulimit names -> RLIMIT_*, and the row label in /proc/self/limits. */
const RLIMITS: Record<string, [string, string]> = {
  core: ['RLIMIT_CORE', 'Max core file size'], cpu: ['RLIMIT_CPU', 'Max cpu time'], data: ['RLIMIT_DATA', 'Max data size'],
  fsize: ['RLIMIT_FSIZE', 'Max file size'], locks: ['RLIMIT_LOCKS', 'Max file locks'], memlock: ['RLIMIT_MEMLOCK', 'Max locked memory'],
  msgqueue: ['RLIMIT_MSGQUEUE', 'Max msgqueue size'], nice: ['RLIMIT_NICE', 'Max nice priority'], nofile: ['RLIMIT_NOFILE', 'Max open files'],
  nproc: ['RLIMIT_NPROC', 'Max processes'], rss: ['RLIMIT_RSS', 'Max resident set'], rtprio: ['RLIMIT_RTPRIO', 'Max realtime priority'],
  rttime: ['RLIMIT_RTTIME', 'Max realtime timeout'], sigpending: ['RLIMIT_SIGPENDING', 'Max pending signals'], stack: ['RLIMIT_STACK', 'Max stack size'],
  as: ['RLIMIT_AS', 'Max address space'],
};

/** Hard limit of this process for a /proc/self/limits row; Infinity for "unlimited". */
function hardLimit(label: string): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(label));
    const hard = line?.slice(label.length).trim().split(/\s+/)[1];
    if (!hard || hard === 'unlimited') return Infinity;
    return Number(hard);
  } catch {
    return Infinity;
  }
}

export function resolveRlimits(ulimits: { name: string; soft: number; hard: number }[]): OciRlimit[] {
  return ulimits.map((u) => {
    const def = RLIMITS[u.name.toLowerCase()];
    if (!def) throw invalidArgument(`invalid ulimit type: ${u.name}`);
    if (u.soft > u.hard) throw invalidArgument(`invalid ulimit argument: ${u.name}=${u.soft}:${u.hard}: soft limit must be less than or equal to hard limit`);
    const max = hardLimit(def[1]);
    const hard = Math.min(u.hard, max);
    return { type: def[0], soft: Math.min(u.soft, hard), hard };
  });
}
