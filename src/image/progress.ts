/** Docker's JSON progress messages (moby pkg/jsonmessage), as pull, push and load stream them. */

export interface ProgressDetail { current?: number; total?: number }

export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: ProgressDetail;
  progress?: string;
  stream?: string;
  aux?: unknown;
  errorDetail?: { message: string };
  error?: string;
}

export type ProgressSink = (m: ProgressMessage) => void;

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** go-units HumanSize (decimal, 3 significant digits): `1.23MB`. */
export function humanSize(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1000 && i < UNITS.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))}${UNITS[i]}`;
}

/** JSONProgress.String(): a 50-column bar then `current/total`. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return humanSize(current);
  const width = 50;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + ' '.repeat(width - filled);
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** A sink for one layer's byte progress, throttled to one message per 100 ms (and always the last). */
export function byteProgress(sink: ProgressSink, id: string, status: string, total: number): (current: number) => void {
  let last = 0;
  return (current) => {
    const now = Date.now();
    if (now - last < 100 && current < total) return;
    last = now;
    sink({ status, progressDetail: { current, total }, progress: progressBar(current, total), id });
  }
}

/** The 12-hex short form of a digest, the `id` of per-layer messages. */
export function shortDigest(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}
