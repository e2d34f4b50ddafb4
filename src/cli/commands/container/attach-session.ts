/**
 * One attached container or exec process: the hijacked connection, local raw mode, resize forwarding, the signal
 * proxy (non-TTY), and client-side detach keys (default ctrl-p,ctrl-q), as `docker run`/`attach`/`exec` do.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { EngineClient, HijackedConnection } from '../../../client/engine-client.ts';
import { pumpHijacked } from '../../../client/hijacked-streams.ts';
import type { CliContext } from '../../command.ts';
import { enterRawMode, watchTerminalSize } from '../../terminal.ts';

export interface AttachStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** Parses docker's detach-keys syntax ("ctrl-p,ctrl-q", "a,ctrl-\\") into bytes. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((key) => {
    const k = key.trim();
    const ctrl = /^ctrl-(.)$/i.exec(k);
    if (ctrl) {
      const c = ctrl[1];
      if (c === '@') return 0;
      if (c === '[') return 27;
      if (c === '\\') return 28;
      if (c === ']') return 29;
      if (c === '^') return 30;
      if (c === '_') return 31;
      if (/[a-z]/i.test(c)) return c.toLowerCase().charCodeAt(0) - 96;
    }
    if (k.length === 1) return k.charCodeAt(0);
    throw new Error(`Invalid detach keys (${spec}) provided`);
  });
}

/** Forwards stdin, but stops (and reports) when the detach key sequence is typed. */
function detachKeyFilter(input: Readable, keys: number[], onDetach: () => void): Readable {
  const out = new PassThrough();
  let matched = 0;
  let held: number[] = [];
  input.on('data', (chunk: Buffer) => {
    const pass: number[] = [];
    for (const byte of chunk) {
      if (byte === keys[matched]) {
        matched++;
        held.push(byte);
        if (matched === keys.length) {
          onDetach();
          return;
        }
      } else {
        pass.push(...held, byte);
        held = [];
        matched = 0;
      }
    }
    if (pass.length) out.write(Buffer.from(pass));
  });
  input.on('end', () => out.end());
  return out;
}

export interface AttachSessionOptions {
  tty: boolean;
  streams: AttachStreams;
  detachKeys?: string;
  /** POST path for resize (container or exec). */
  resizePath?: string;
  /** Container to send proxied signals to (non-TTY with --sig-proxy). */
  signalProxyFor?: string;
}

export class AttachSession {
  /** Settles when the output stream ends; true when the user detached. */
  readonly done: Promise<{ detached: boolean }>;
  private readonly cleanups: (() => void)[] = [];

  constructor(ctx: CliContext, client: EngineClient, conn: HijackedConnection, o: AttachSessionOptions) {
    let detach!: () => void;
    const detached = new Promise<{ detached: boolean }>((resolve) => {
      detach = () => resolve({ detached: true });
    });
    let stdin: Readable | undefined;
    if (o.streams.stdin) {
      if (o.tty) this.cleanups.push(enterRawMode(ctx).restore);
      const keys = parseDetachKeys(o.detachKeys || 'ctrl-p,ctrl-q');
      stdin = o.tty ? detachKeyFilter(ctx.stdin, keys, () => detach()) : ctx.stdin;
    }
    const pumped = pumpHijacked(conn, {
      tty: o.tty,
      stdin,
      stdout: o.streams.stdout ? ctx.stdout : undefined,
      stderr: o.streams.stderr ? ctx.stderr : undefined,
    }).then(() => ({ detached: false }));
    this.done = Promise.race([pumped, detached]).finally(() => {
      ctx.stdin.pause();
      this.close();
    });
    if (o.signalProxyFor) this.proxySignals(client, o.signalProxyFor);
    this.cleanups.push(() => conn.socket.destroy());
  }

  /** Sends the terminal size now and on SIGWINCH. */
  forwardResize(ctx: CliContext, client: EngineClient, resizePath: string): void {
    const stop = watchTerminalSize(ctx, (rows, columns) => {
      client.call('POST', resizePath, { query: { h: rows, w: columns } }).catch(() => {});
    });
    this.cleanups.push(stop);
  }

  close(): void {
    for (const fn of this.cleanups.splice(0).reverse()) fn();
  }

  private proxySignals(client: EngineClient, containerId: string): void {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
    const handler = (signal: NodeJS.Signals) => {
      client.call('POST', `/containers/${containerId}/kill`, { query: { signal } }).catch(() => {});
    };
    for (const s of signals) process.on(s, handler);
    this.cleanups.push(() => signals.forEach((s) => process.off(s, handler)));
  }
}
