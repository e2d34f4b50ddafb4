/**
 * Service logs as docker compose prints them: each line prefixed "NAME  | " (padded to the longest name,
 * coloured per container on a terminal), from several containers at once, optionally following.
 */
import type { Writable } from 'node:stream';
import type { EngineClient } from '../../../client/engine-client.ts';
import { StdcopyDecoder } from '../../../lib/streams/stdcopy.ts';

const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface LogSource { id: string; name: string; tty: boolean }

export class LogPrinter {
  private readonly out: Writable & { isTTY?: boolean };
  private readonly width: number;
  private readonly colour: boolean;
  private readonly prefixes = new Map<string, string>();

  constructor(out: Writable & { isTTY?: boolean }, names: string[], o: { colour?: boolean; prefix?: boolean } = {}) {
    this.out = out;
    this.width = o.prefix === false ? -1 : Math.max(0, ...names.map((n) => n.length));
    this.colour = o.colour ?? Boolean(out.isTTY);
  }

  private prefix(name: string): string {
    if (this.width < 0) return '';
    let p = this.prefixes.get(name);
    if (!p) {
      const text = `${name.padEnd(this.width)}  | `;
      p = this.colour ? `\x1b[${COLOURS[this.prefixes.size % COLOURS.length]}m${text}\x1b[0m` : text;
      this.prefixes.set(name, p);
    }
    return p;
  }

  line(name: string, text: string): void {
    this.out.write(`${this.prefix(name)}${text}\n`);
  }

  /** Streams one container's log until it ends (the container stops, when following). */
  async stream(client: EngineClient, src: LogSource, query: Record<string, string | boolean | undefined>, signal?: AbortSignal): Promise<void> {
    const res = await client.request('GET', `/containers/${src.id}/logs`, { query: { stdout: true, stderr: true, ...query }, signal });
    let partial = '';
    const emit = (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) this.line(src.name, l.replace(/\r$/, ''));
    };
    const decoder = new StdcopyDecoder((_stream, payload) => emit(payload.toString()));
    try {
      for await (const chunk of res) {
        if (src.tty) emit((chunk as Buffer).toString());
        else decoder.push(chunk as Buffer);
      }
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
    if (partial) this.line(src.name, partial);
  }
}
