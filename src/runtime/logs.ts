/**
 * Reader for conmon's k8s-file logs: one line per write, `<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`.
 * F ends a line, P is a piece of a longer line (or output without a trailing newline). Entries follow
 * Docker's log semantics: P pieces are joined with the F that completes them and F lines keep their "\n".
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { errnoCode } from '../lib/errdefs.ts';

export interface LogEntry { stream: 'stdout' | 'stderr'; time: string; timeNs: bigint; partial: boolean; data: Buffer }

export interface ReadLogsOptions {
  tail?: number; since?: number; until?: number; follow?: boolean; stopWhen?: Promise<unknown>; signal?: AbortSignal;
}

interface RawLine { stream: 'stdout' | 'stderr'; time: string; timeNs: bigint; partial: boolean; data: Buffer }

const SP = 0x20;

/** RFC3339 with nanoseconds and a numeric offset or Z -> ns since the epoch. */
export function parseTimestampNs(ts: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return -1n;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return -1n;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

/** One log line without its "\n"; undefined if malformed. */
export function parseLogLine(line: Buffer): RawLine | undefined {
  const a = line.indexOf(SP);
  const b = a < 0 ? -1 : line.indexOf(SP, a + 1);
  if (b < 0) return undefined;
  const time = line.subarray(0, a).toString('latin1');
  const stream = line.subarray(a + 1, b).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line[b + 1];
  const partial = tag === 0x50; // 'P'
  if (!partial && tag !== 0x46) return undefined;
  // "F text": the text starts after the tag and one space; an empty line may be "F" alone.
  const data = line.length > b + 3 ? line.subarray(b + 3) : Buffer.alloc(0);
  return { stream, time, timeNs: parseTimestampNs(time), partial, data };
}

/** Joins P pieces per stream into Docker-style messages. */
class Joiner {
  private pending = new Map<string, { first: RawLine; parts: Buffer[] }>();
  push(l: RawLine): LogEntry | undefined {
    const p = this.pending.get(l.stream);
    if (l.partial) {
      if (p) p.parts.push(l.data);
      else this.pending.set(l.stream, { first: l, parts: [l.data] });
      return undefined;
    }
    this.pending.delete(l.stream);
    const head = p?.first ?? l;
    const data = Buffer.concat([...(p?.parts ?? []), l.data, Buffer.from('\n')]);
    return { stream: l.stream, time: head.time, timeNs: head.timeNs, partial: false, data };
  }
  /** Pieces never completed (the process wrote no final newline). */
  flush(): LogEntry[] {
    const out = [...this.pending.values()].map(({ first, parts }) => ({
      stream: first.stream, time: first.time, timeNs: first.timeNs, partial: true, data: Buffer.concat(parts),
    }));
    this.pending.clear();
    return out.sort((x, y) => (x.timeNs < y.timeNs ? -1 : x.timeNs > y.timeNs ? 1 : 0));
  }
}

/** Reads complete lines from a growing file. */
class LineReader {
  private pos = 0;
  private rest: Buffer = Buffer.alloc(0);
  private readonly fh: FileHandle;
  private readonly buf = Buffer.allocUnsafe(64 * 1024);
  constructor(fh: FileHandle) { this.fh = fh; }

  /** Everything appended since the last call, as whole lines (an unterminated tail waits for more). */
  async readLines(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (;;) {
      const { bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, this.pos);
      if (bytesRead === 0) break;
      this.pos += bytesRead;
      let chunk = Buffer.concat([this.rest, this.buf.subarray(0, bytesRead)]);
      let nl: number;
      while ((nl = chunk.indexOf(0x0a)) >= 0) {
        lines.push(chunk.subarray(0, nl));
        chunk = chunk.subarray(nl + 1);
      }
      this.rest = Buffer.from(chunk);
    }
    return lines;
  }
}

const toNs = (sec: number) => BigInt(Math.round(sec * 1e6)) * 1000n;

export async function* readLogs(path: string, o: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  const sinceNs = o.since !== undefined && o.since > 0 ? toNs(o.since) : undefined;
  const untilNs = o.until !== undefined && o.until > 0 ? toNs(o.until) : undefined;
  let fh: FileHandle;
  try { fh = await open(path, 'r'); } catch (err) {
    if (errnoCode(err) === 'ENOENT' && !o.follow) return;
    if (errnoCode(err) !== 'ENOENT') throw err;
    const waited = await waitForFile(path, o);
    if (!waited) return;
    fh = waited;
  }
  let reader = new LineReader(fh);
  const joiner = new Joiner();
  let pastUntil = false;
  const accept = (e: LogEntry) => {
    if (untilNs !== undefined && e.timeNs > untilNs) { pastUntil = true; return false; }
    return sinceNs === undefined || e.timeNs >= sinceNs;
  };
  const entriesOf = (lines: Buffer[]): LogEntry[] => {
    const out: LogEntry[] = [];
    for (const line of lines) {
      const raw = parseLogLine(line);
      if (!raw) continue;
      const e = joiner.push(raw);
      if (e && accept(e)) out.push(e);
    }
    return out;
  };
  try {
    // Backlog: rotated files first (path.N … path.1, oldest first), then the current file; tail keeps the last N.
    let backlog: LogEntry[] = [];
    for (const rotated of await rotatedFiles(path)) {
      const rfh = await open(rotated, 'r').catch(() => undefined);
      if (!rfh) continue;
      try { backlog.push(...entriesOf(await new LineReader(rfh).readLines())); } finally { await rfh.close(); }
    }
    backlog.push(...entriesOf(await reader.readLines()));
    if (!o.follow) backlog.push(...joiner.flush().filter(accept));
    if (o.tail !== undefined && o.tail >= 0) backlog = o.tail === 0 ? [] : backlog.slice(-o.tail);
    for (const e of backlog) yield e;
    if (!o.follow || pastUntil || o.signal?.aborted) return;

    let stopped = false;
    void o.stopWhen?.then(() => { stopped = true; wake(); }, () => { stopped = true; wake(); });
    let wakeUp: (() => void) | undefined;
    const wake = () => { const w = wakeUp; wakeUp = undefined; w?.(); };
    o.signal?.addEventListener('abort', wake, { once: true });
    let watcher: FSWatcher | undefined;
    try { watcher = watch(path, { persistent: false }, wake); } catch { /* poll only */ }
    const untilTimer = untilNs !== undefined
      ? setTimeout(() => { stopped = true; wake(); }, Math.max(0, Number((untilNs - BigInt(Date.now()) * 1_000_000n) / 1_000_000n)))
      : undefined;
    try {
      for (;;) {
        for (const e of entriesOf(await reader.readLines())) yield e;
        // Rotation: the daemon renamed the file and conmon reopened a new one; drain the old, follow the new.
        const current = await stat(path).catch(() => undefined);
        if (current && current.ino !== (await fh.stat()).ino) {
          for (const e of entriesOf(await reader.readLines())) yield e;
          await fh.close();
          fh = await open(path, 'r');
          reader = new LineReader(fh);
          continue;
        }
        if (pastUntil || o.signal?.aborted) return;
        if (stopped) {
          // drain whatever the process wrote before it stopped
          for (const e of entriesOf(await reader.readLines())) yield e;
          for (const e of joiner.flush()) if (accept(e)) yield e;
          return;
        }
        await new Promise<void>((r) => { wakeUp = r; setTimeout(wake, 250); });
      }
    } finally {
      watcher?.close();
      if (untilTimer) clearTimeout(untilTimer);
      o.signal?.removeEventListener('abort', wake);
    }
  } finally {
    await fh.close();
  }
}

async function waitForFile(path: string, o: ReadLogsOptions): Promise<FileHandle | undefined> {
  let stopped = false;
  void o.stopWhen?.then(() => { stopped = true; }, () => { stopped = true; });
  for (;;) {
    if (o.signal?.aborted) return undefined;
    try { return await open(path, 'r'); } catch (err) { if (errnoCode(err) !== 'ENOENT') throw err; }
    if (stopped) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `<path>.N` … `<path>.1` that exist, oldest first (the daemon's rotation scheme for max-size/max-file). */
async function rotatedFiles(path: string): Promise<string[]> {
  const out: string[] = [];
  for (let n = 1; ; n++) {
    const p = `${path}.${n}`;
    if (!(await stat(p).catch(() => undefined))) break;
    out.unshift(p);
  }
  return out;
}
