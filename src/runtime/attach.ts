/**
 * AttachStreams over a connection to conmon's attach socket. conmon sends one packet per read of the
 * container's stdio, prefixed by one byte naming the pipe (2 stdout, 3 stderr); whatever we write is the
 * container's stdin. Our shutdown(SHUT_WR) makes conmon close the container's stdin (unless it runs with
 * --leave-stdin-open); conmon closes the socket when the process exits.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { connectSeqpacket } from './seqpacket.ts';

export interface AttachStreams {
  stdout: Readable; stderr: Readable;
  stdin: Writable | null;
  close(): void;
  closed: Promise<void>;
}

const PIPE_STDOUT = 2;
const PIPE_STDERR = 3;
/** Keep stdin packets well under conmon's 32 KiB receive buffer (a bigger packet would be truncated). */
const MAX_PACKET = 8192;

export function attachSocketStreams(sock: Socket, o: { stdin: boolean }): AttachStreams {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });

  sock.on('data', (packet: Buffer) => {
    if (packet.length < 1) return;
    const target = packet[0] === PIPE_STDERR ? stderr : packet[0] === PIPE_STDOUT ? stdout : undefined;
    if (!target || target.destroyed) return;
    if (!target.write(packet.subarray(1))) {
      sock.pause();
      target.once('drain', () => sock.resume());
    }
  });
  const finish = () => {
    stdout.end();
    stderr.end();
    resolveClosed();
  };
  sock.on('close', finish);
  sock.on('error', () => { /* 'close' follows */ });

  let stdin: Writable | null = null;
  if (o.stdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (sock.destroyed || !sock.writable) { cb(); return; }   // process gone: drop input as docker does
        for (let off = 0; off < chunk.length; off += MAX_PACKET) {
          const last = off + MAX_PACKET >= chunk.length;
          const ok = sock.write(chunk.subarray(off, off + MAX_PACKET), last ? () => cb() : undefined);
          void ok;
        }
        if (chunk.length === 0) cb();
      },
      final(cb) {
        if (!sock.destroyed && sock.writable) sock.end();
        cb();
      },
    });
    stdin.on('error', () => { /* socket errors surface through closed */ });
  }
  return {
    stdout, stderr, stdin,
    close: () => { sock.destroy(); },
    closed,
  };
}

export function connectAttach(socketPath: string, o: { stdin: boolean }): AttachStreams {
  return attachSocketStreams(connectSeqpacket(socketPath), o);
}
