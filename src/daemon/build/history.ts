/**
 * The texts the classic builder writes into history `created_by` (moby builder/dockerfile dispatchers.go):
 * metadata steps commit `<shell> #(nop)  <INSTR> ...` (the comment is appended as two argv words, "#(nop) " and
 * the text, then joined with spaces, hence two spaces), WORKDIR/COPY/ADD use one word (one space), and RUN
 * records its command, prefixed with `|N K=V...` when build args are in its environment.
 */
import type { HealthConfig } from '../../build/index.ts';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export function nopComment(shell: readonly string[], text: string): string {
  return [...shell, '#(nop) ', text].join(' ');
}

export function nopCommentString(shell: readonly string[], text: string): string {
  return [...shell, `#(nop) ${text}`].join(' ');
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Go's time.Duration String() for nanoseconds. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = `${trim(s)}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}

/** `HEALTHCHECK %q` of Docker's *HealthConfig. */
export function healthcheckComment(h: HealthConfig): string {
  const retries = h.retries === 0 ? "'\\x00'" : `'\\x${h.retries.toString(16).padStart(2, '0')}'`;
  return `HEALTHCHECK &{${goQuoteList(h.test)} "${goDuration(h.interval)}" "${goDuration(h.timeout)}" "${goDuration(h.startPeriod)}" "${goDuration(h.startInterval)}" ${retries}}`;
}
