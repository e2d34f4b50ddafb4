/**
 * Joins a hijacked client connection to a process's attach streams (container attach and exec): stdcopy frames
 * without a TTY, raw bytes with one; client half-close closes the process's stdin; detach keys drop the
 * connection without touching the process.
 */
import type { Duplex } from 'node:stream';
import { frame, StdStream } from '../lib/index.ts';
import type { AttachStreams } from '../runtime/index.ts';
import { DetachKeyMatcher } from './detach-keys.ts';

export interface BridgeOptions {
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Docker's --detach-keys spec; default ctrl-p,ctrl-q. '' disables. */
  detachKeys?: string;
  /** Settles before the client connection is closed at the end (exec: its exit code must be known by then). */
  beforeEnd?: Promise<unknown>;
}

/** Resolves when the session ends: the process closed its streams, the client left, or it detached. */
export function bridge(streams: AttachStreams, client: Duplex, o: BridgeOptions): Promise<'exited' | 'detached' | 'client-gone'> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (how: 'exited' | 'detached' | 'client-gone') => {
      if (done) return;
      done = true;
      resolve(how);
    };
    const send = (stream: StdStream, data: Buffer) => {
      if (client.writable) client.write(o.tty ? data : frame(stream, data));
    };
    if (o.stdout) streams.stdout.on('data', (d: Buffer) => send(StdStream.Stdout, d));
    else streams.stdout.resume();
    if (o.stderr) streams.stderr.on('data', (d: Buffer) => send(StdStream.Stderr, d));
    else streams.stderr.resume();

    if (o.stdin && streams.stdin) {
      const stdin = streams.stdin;
      const matcher = new DetachKeyMatcher(o.detachKeys);
      client.on('data', (d: Buffer) => {
        const { pass, detached } = matcher.feed(d);
        if (pass.length && stdin.writable) stdin.write(pass);
        if (detached) {
          streams.close();
          client.end();
          finish('detached');
        }
      });
      // Half-close: the client's CloseWrite means EOF on the process's stdin; keep streaming its output.
      client.on('end', () => stdin.end());
      client.resume(); // the server may have paused the socket while reading the request body
    } else {
      client.resume();
    }
    client.on('close', () => {
      if (!done) {
        streams.close();
        finish('client-gone');
      }
    });
    client.on('error', () => undefined);
    void streams.closed.then(async () => {
      await Promise.all([ended(streams.stdout), ended(streams.stderr)]);
      if (o.beforeEnd) await Promise.race([o.beforeEnd.catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
      if (!done) {
        client.end();
        finish('exited');
      }
    });
  });
}

function ended(r: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }): Promise<void> {
  if (r.readableEnded || r.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    r.once('end', resolve);
    r.once('close', resolve);
    setTimeout(resolve, 200).unref();
  });
}
