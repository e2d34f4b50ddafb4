/**
 * Looks at the first bytes of a stream: returns them and a stream that yields everything, those bytes included.
 * Chunks pass through untouched; unlike async iteration (whose read() concatenates every buffered chunk into a
 * new Buffer), nothing after the head is copied.
 */
import { PassThrough, type Readable } from 'node:stream';

/** Reads at least `n` bytes (fewer when the stream is shorter). */
export async function peekBytes(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const ended = await new Promise<boolean>((resolve, reject) => {
    const cleanup = () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      size += b.length;
      if (size >= n) {
        input.pause();
        cleanup();
        resolve(false);
      }
    };
    const onEnd = () => { cleanup(); resolve(true); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
  });
  const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  if (head.length > 0) stream.write(head);
  if (ended) {
    stream.end();
  } else {
    input.on('error', (err) => stream.destroy(err));
    input.pipe(stream);
  }
  return { head, stream };
}
