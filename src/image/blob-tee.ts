/**
 * Splits a blob being downloaded in two: `stream` passes the bytes on (to be decompressed and unpacked) while
 * they are written to a content writer (which hashes them) in batches behind it, so the network, the disk and
 * the unpacker all work at once and no chunk waits for its own disk write. When the unpacker stops early (a
 * corrupt layer), the download still runs to its end into the writer, so the caller can tell a blob that is not
 * what the manifest names (a digest error) from a bad tar. A body longer than the descriptor's size is cut off;
 * a body that fails (the registry went away) fails with an `unavailable` error naming the blob.
 */
import { PassThrough, type Readable } from 'node:stream';
import { invalidArgument, isEngineError, unavailable } from '../lib/errdefs.ts';
import type { Descriptor } from '../oci/index.ts';
import type { ContentWriter } from './content/content-store.ts';

export interface BlobTee {
  /** The bytes as they arrive. */
  readonly stream: Readable;
  /** Resolves once the whole body is in the writer; rejects when the body or a write failed. */
  readonly done: Promise<void>;
  /** True once the body or a write failed (nothing more will come). */
  readonly failed: boolean;
  /** Stops the download (the caller gave up). */
  abort(): void;
}

/** Bytes received but not yet written before the download pauses. */
const MAX_UNWRITTEN = 16 * 1024 * 1024;

/** Why a body stopped, in the words undici gives (its TypeError "terminated" hides the socket error in cause). */
function bodyError(blob: Descriptor, err: unknown): Error {
  if (isEngineError(err)) return err;
  const e = err as Error & { cause?: { message?: string } };
  const why = e.cause?.message ?? e.message;
  return unavailable(`error pulling blob ${blob.digest}: ${why}`, { cause: err });
}

export function blobTee(input: Readable, blob: Descriptor, writer: ContentWriter, onBytes?: (n: number) => void): BlobTee {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  let received = 0;
  let batch: Buffer[] = [];
  let unwritten = 0;
  let writing = false;
  let ended = false;
  let waitingForOut = false;
  let outAlive = true;
  let error: Error | undefined;
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {}); // observed by the caller when it needs it

  const fail = (e: Error) => {
    if (error) return;
    error = e;
    input.destroy();
    if (outAlive) out.destroy(e);
    settle.reject(e);
  };
  const finishIfDone = () => {
    if (error || !ended || writing || unwritten > 0) return;
    if (received !== blob.size) fail(unavailable(`error pulling blob ${blob.digest}: short read (${received} of ${blob.size} bytes)`));
    else settle.resolve();
  };
  const maybeResume = () => {
    if (!error && !ended && !waitingForOut && unwritten < MAX_UNWRITTEN && input.isPaused()) input.resume();
  };
  // One write at a time, each taking everything queued since the last: few, large, ordered writes.
  const writeLoop = async () => {
    writing = true;
    try {
      while (batch.length && !error) {
        const bufs = batch;
        batch = [];
        unwritten = 0;
        maybeResume();
        await writer.write(bufs);
      }
    } catch (e) {
      fail(e as Error);
    } finally {
      writing = false;
    }
    finishIfDone();
  };

  out.on('close', () => {
    outAlive = false;
    waitingForOut = false;
    maybeResume();
  });
  input.on('data', (c: Buffer) => {
    if (error) return;
    received += c.length;
    if (received > blob.size) {
      fail(invalidArgument(`blob ${blob.digest} is larger than the manifest says (${blob.size} bytes)`));
      return;
    }
    onBytes?.(received);
    batch.push(c);
    unwritten += c.length;
    if (!writing) void writeLoop();
    if (outAlive && !out.write(c)) {
      waitingForOut = true;
      out.once('drain', () => { waitingForOut = false; maybeResume(); });
    }
    if (waitingForOut || unwritten >= MAX_UNWRITTEN) input.pause();
  });
  input.on('end', () => {
    ended = true;
    if (outAlive) out.end();
    finishIfDone();
  });
  input.on('error', (e) => fail(bodyError(blob, e)));

  return {
    stream: out,
    done,
    get failed() { return error !== undefined; },
    abort: () => fail(unavailable(`pull of blob ${blob.digest} stopped`)),
  };
}
