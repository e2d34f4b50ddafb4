import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLogLine, parseTimestampNs, readLogs, type LogEntry } from './logs.ts';

const L = (sec: number, stream: string, tag: string, text: string) =>
  `2024-05-01T10:00:${String(sec).padStart(2, '0')}.000000001+02:00 ${stream} ${tag} ${text}\n`;

async function collect(it: AsyncIterable<LogEntry>) {
  const out: LogEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

test('parse k8s-file lines and timestamps', () => {
  const e = parseLogLine(Buffer.from('2024-05-01T10:00:00.5+02:00 stderr F hi there'))!;
  assert.equal(e.stream, 'stderr');
  assert.equal(e.partial, false);
  assert.equal(e.data.toString(), 'hi there');
  assert.equal(parseTimestampNs('2024-05-01T08:00:00.000000001Z'), BigInt(Date.UTC(2024, 4, 1, 8)) * 1_000_000n + 1n);
  assert.equal(e.timeNs, BigInt(Date.UTC(2024, 4, 1, 8)) * 1_000_000n + 500_000_000n);
  assert.equal(parseLogLine(Buffer.from('2024-05-01T10:00:00Z stdout F'))!.data.length, 0);
  assert.equal(parseLogLine(Buffer.from('garbage')), undefined);
});

test('readLogs: F keeps newline, P pieces joined, tail, since/until', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const p = join(dir, 'log');
  await writeFile(p, L(1, 'stdout', 'F', 'one') + L(2, 'stdout', 'P', 'tw') + L(2, 'stderr', 'F', 'err') + L(3, 'stdout', 'F', 'o') + L(4, 'stdout', 'F', '') + L(5, 'stdout', 'P', 'tail-no-newline'));
  const all = await collect(readLogs(p, {}));
  assert.deepEqual(all.map((e) => [e.stream, e.data.toString(), e.partial]), [
    ['stdout', 'one\n', false], ['stderr', 'err\n', false], ['stdout', 'two\n', false], ['stdout', '\n', false], ['stdout', 'tail-no-newline', true],
  ]);
  assert.equal(all[2].time, '2024-05-01T10:00:02.000000001+02:00', 'a joined message has its first piece\'s time');
  assert.deepEqual((await collect(readLogs(p, { tail: 2 }))).map((e) => e.data.toString()), ['\n', 'tail-no-newline']);
  assert.deepEqual(await collect(readLogs(p, { tail: 0 })), []);
  const base = Date.UTC(2024, 4, 1, 8, 0, 0) / 1000;
  assert.deepEqual((await collect(readLogs(p, { since: base + 2, until: base + 3.5 }))).map((e) => e.data.toString()), ['err\n', 'two\n']);
  assert.deepEqual(await collect(readLogs(join(dir, 'missing'), {})), []);
});

test('readLogs follow: sees appended lines, drains after stopWhen', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const p = join(dir, 'log');
  await writeFile(p, L(1, 'stdout', 'F', 'a'));
  let stop!: () => void;
  const stopWhen = new Promise<void>((r) => { stop = r; });
  const seen: string[] = [];
  const done = (async () => { for await (const e of readLogs(p, { follow: true, stopWhen })) seen.push(e.data.toString()); })();
  await new Promise((r) => setTimeout(r, 50));
  await appendFile(p, L(2, 'stdout', 'F', 'b'));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(seen, ['a\n', 'b\n']);
  await appendFile(p, L(3, 'stdout', 'P', 'c'));
  stop();
  await done;
  assert.deepEqual(seen, ['a\n', 'b\n', 'c']);

  const ac = new AbortController();
  const got: string[] = [];
  const aborted = (async () => { for await (const e of readLogs(p, { follow: true, tail: 1, signal: ac.signal })) got.push(e.data.toString()); })();
  await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await aborted;
  assert.deepEqual(got, ['b\n']);
});
