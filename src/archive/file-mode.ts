/** Go's os.FileMode (what Docker's API puts in PathStat.mode), computed from a POSIX st_mode. */
import type { BigIntStats, Stats } from 'node:fs';

export const GoMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

const S_IFMT = 0o170000;

/** os.FileMode of a stat result (as Go's fillFileStatFromSys computes it). */
export function goFileMode(st: Pick<Stats, 'mode'> | Pick<BigIntStats, 'mode'>): number {
  const m = Number(st.mode);
  let mode = m & 0o777;
  switch (m & S_IFMT) {
    case 0o040000: mode += GoMode.dir; break;
    case 0o120000: mode += GoMode.symlink; break;
    case 0o060000: mode += GoMode.device; break;
    case 0o020000: mode += GoMode.device + GoMode.charDevice; break;
    case 0o010000: mode += GoMode.namedPipe; break;
    case 0o140000: mode += GoMode.socket; break;
  }
  if (m & 0o4000) mode += GoMode.setuid;
  if (m & 0o2000) mode += GoMode.setgid;
  if (m & 0o1000) mode += GoMode.sticky;
  return mode;
}

export function isGoDir(mode: number): boolean {
  return mode >= GoMode.dir;
}

/** Go's time.RFC3339Nano in UTC ("2024-01-02T03:04:05.123456789Z", trailing zeros of the fraction dropped). */
export function rfc3339NanoUtc(sec: bigint, nsec: bigint): string {
  const iso = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  const frac = nsec === 0n ? '' : `.${nsec.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${iso}${frac}Z`;
}
