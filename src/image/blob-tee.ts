/**
 * A pass-through for a blob being downloaded: every chunk is written to a content writer (which hashes it) before
 * it goes on downstream, so one pass over the bytes both stores and unpacks a layer. A body longer than the
 * descriptor's size is cut off at once; a body that fails (the registry went away) fails downstream with an
 * `unavailable` error naming the blob, rather than as a broken tar.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import { invalidArgument, isEngineError, unavailable } from '../lib/errdefs.ts';
import type { Descriptor } from '../oci/index.ts';
import type { ContentWriter } from './content/content-store.ts';

export interface BlobTee extends Transform {
  /** Resolves once every byte of the body went to the writer (drains what downstream left unread). */
  readonly done: Promise<void>;
}

/** Why a body stopped, in the words undici gives (its TypeError "terminated" hides the socket error in cause). */
function bodyError(blob: Descriptor, err: unknown): Error {
  if (isEngineError(err)) return err;
  const e = err as Error & { cause?: { message?: string } };
  const why = e.cause?.message ?? e.message;
  return unavailable(`error pulling blob ${blob.digest}: ${why}`, { cause: err });
}

export function blobTee(input: Readable, blob: Descriptor, writer: ContentWriter, onBytes?: (n: number) => void): BlobTee {
  let n = 0;
  const tee = new Transform({
    // Large buffers: fewer hops between the socket, the writer and the decompressor.
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      n += chunk.length;
      if (n > blob.size) {
        cb(invalidArgument(`blob ${blob.digest} is larger than the manifest says (${blob.size} bytes)`));
        return;
      }
      writer.write(chunk).then(() => {
        onBytes?.(n);
        cb(null, chunk);
      }, (err: unknown) => cb(err as Error));
    },
  }) as BlobTee;
  input.on('error', (err) => tee.destroy(bodyError(blob, err)));
  tee.on('close', () => { if (!input.readableEnded) input.destroy(); });
  input.pipe(tee);
  Object.defineProperty(tee, 'done', {
    get: async () => {
      if (!tee.readableEnded) tee.resume();
      await finished(tee);
      if (n !== blob.size) throw unavailable(`blob ${blob.digest}: short read (${n} of ${blob.size} bytes)`);
    },
  });
  return tee;
}
