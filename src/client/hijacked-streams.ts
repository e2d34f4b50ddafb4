/**
 * Pumps a hijacked attach/exec connection: stdin → socket (half-closing on EOF), socket → stdout/stderr,
 * raw with a TTY, stdcopy-demultiplexed without one. Resolves once the daemon closes the connection.
 */
import type { Readable, Writable } from 'node:stream';
import { StdcopyDecoder, StdStream } from '../lib/streams/stdcopy.ts';
import type { HijackedConnection } from './engine-client.ts';

export interface HijackedStreams {
  tty: boolean;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

export function pumpHijacked(conn: HijackedConnection, io: HijackedStreams): Promise<void> {
  const { socket } = conn;
  return new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    const decoder = io.tty
      ? undefined
      : new StdcopyDecoder((stream, payload) => {
          if (stream === StdStream.Stdout) io.stdout?.write(payload);
          else if (stream === StdStream.Stderr) io.stderr?.write(payload);
          else if (stream === StdStream.SystemErr) failure ??= new Error(payload.toString('utf8').trim());
        });
    socket.on('data', (chunk: Buffer) => {
      if (decoder) decoder.push(chunk);
      else io.stdout?.write(chunk);
    });
    const finish = () => {
      detachStdin();
      if (failure) reject(failure);
      else resolve();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (err) => {
      detachStdin();
      reject(err);
    });

    const onStdinData = (chunk: Buffer) => {
      if (!socket.destroyed && socket.writable) socket.write(chunk);
    };
    const onStdinEnd = () => {
      if (!socket.destroyed && socket.writable) socket.end();
    };
    const detachStdin = () => {
      io.stdin?.off('data', onStdinData);
      io.stdin?.off('end', onStdinEnd);
      io.stdin?.pause();
    };
    if (io.stdin) {
      io.stdin.on('data', onStdinData);
      io.stdin.on('end', onStdinEnd);
      io.stdin.resume();
    }
  });
}
