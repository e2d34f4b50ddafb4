/**
 * JSON-message streams (pull, import, load, build): newline-delimited `{"status","id","progress",...}` objects,
 * with errors inside the 200 stream as `{"errorDetail":{"message"},"error"}`.
 */
import type { Readable } from 'node:stream';
import { JsonLinesDecoder } from '../lib/streams/json-lines.ts';
import { StreamError } from './api-error.ts';

export interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: Record<string, unknown>;
}

/** Calls onMessage for each message; rejects with StreamError on the first error message. */
export async function readJsonMessages(body: Readable, onMessage: (m: JsonMessage) => void): Promise<void> {
  let failure: StreamError | undefined;
  const decoder = new JsonLinesDecoder((value) => {
    const m = value as JsonMessage;
    if (failure) return;
    if (m.errorDetail || m.error) {
      failure = new StreamError(m.errorDetail?.message ?? m.error ?? 'unknown error');
      return;
    }
    onMessage(m);
  });
  for await (const chunk of body) decoder.push(chunk as Buffer);
  decoder.end();
  if (failure) throw failure;
}

/**
 * Renders messages as docker's jsonmessage does. On a terminal each `id` keeps its own line, updated in place;
 * otherwise progress updates are skipped and each status is printed once per line.
 */
export class JsonMessageRenderer {
  private readonly out: NodeJS.WritableStream;
  private readonly isTerminal: boolean;
  private readonly lines = new Map<string, number>();

  constructor(out: NodeJS.WritableStream, o: { isTerminal: boolean }) {
    this.out = out;
    this.isTerminal = o.isTerminal;
  }

  render(m: JsonMessage): void {
    if (m.stream !== undefined) {
      this.out.write(m.stream);
      return;
    }
    if (m.status === undefined) return;
    const hasProgress = m.progress !== undefined || m.progressDetail?.current !== undefined;
    if (!this.isTerminal && hasProgress) return;
    const text = `${m.id ? `${m.id}: ` : ''}${m.status}${this.isTerminal && m.progress ? ` ${m.progress}` : ''}`;
    if (!this.isTerminal || !m.id) {
      this.out.write(`${text}\n`);
      if (this.isTerminal) this.lines.clear();
      return;
    }
    const line = this.lines.get(m.id);
    if (line === undefined) {
      this.lines.set(m.id, this.lines.size);
      this.out.write(`${text}\n`);
      return;
    }
    const up = this.lines.size - line;
    this.out.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
  }
}
