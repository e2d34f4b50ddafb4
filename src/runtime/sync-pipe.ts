/**
 * conmon's pipes to its parent (sync, attach) carry newline-terminated JSON: {"data": <int>, "message"?: "..."}.
 * `data` is a pid, -1 on failure, or an exec's exit code.
 */
import type { Readable } from 'node:stream';

export interface PipeMessage { data: number; message?: string }

/** Reads one message at a time from a conmon pipe. `next()` resolves undefined at EOF. */
export class PipeReader {
  private buf = '';
  private ended = false;
  private error: Error | undefined;
  private waiters: (() => void)[] = [];
  private readonly stream: Readable;

  constructor(stream: Readable) {
    this.stream = stream;
    stream.setEncoding('utf8');
    stream.on('data', (s: string) => { this.buf += s; this.wake(); });
    stream.on('end', () => { this.ended = true; this.wake(); });
    stream.on('close', () => { this.ended = true; this.wake(); });
    stream.on('error', (e) => { this.error = e; this.ended = true; this.wake(); });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async next(signal?: AbortSignal): Promise<PipeMessage | undefined> {
    for (;;) {
      signal?.throwIfAborted();
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        return JSON.parse(line) as PipeMessage;
      }
      if (this.ended) {
        const rest = this.buf.trim();
        this.buf = '';
        if (rest) return JSON.parse(rest) as PipeMessage;
        if (this.error && (this.error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw this.error;
        return undefined;
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => { signal?.removeEventListener('abort', onAbort); resolve(); });
      });
    }
  }

  destroy(): void {
    this.stream.destroy();
  }
}
