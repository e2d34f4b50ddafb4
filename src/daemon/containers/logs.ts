/** `docker logs`: conmon's k8s-file log as a stdcopy stream (raw for TTY containers), with follow/tail/since. */
import type { Writable } from 'node:stream';
import { frame, StdStream } from '../../lib/index.ts';
import { readLogs, type LogEntry } from '../../runtime/index.ts';
import type { ContainerRecord } from './record.ts';

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  tty: boolean;
  tail?: number;
  since?: number;
  until?: number;
  timestamps?: boolean;
  stopWhen?: Promise<unknown>;
  signal?: AbortSignal;
}

/** conmon writes local-offset RFC 3339; Docker prints UTC with nanoseconds ("2026-11-22T08:00:00.123456789Z"). */
export function dockerTimestamp(e: LogEntry): string {
  const secs = e.timeNs / 1_000_000_000n;
  const nanos = String(e.timeNs % 1_000_000_000n).padStart(9, '0');
  return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}.${nanos}Z`;
}

export async function writeLogs(rec: ContainerRecord, out: Writable, o: LogOptions): Promise<void> {
  const entries = readLogs(rec.logPath, { tail: o.tail, since: o.since, until: o.until, follow: o.follow, stopWhen: o.stopWhen, signal: o.signal });
  for await (const e of entries) {
    if (e.stream === 'stdout' ? !o.stdout : !o.stderr) continue;
    const data = o.timestamps ? Buffer.concat([Buffer.from(dockerTimestamp(e) + ' '), e.data]) : e.data;
    const chunk = o.tty ? data : frame(e.stream === 'stdout' ? StdStream.Stdout : StdStream.Stderr, data);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', r));
  }
}
