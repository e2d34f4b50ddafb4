/**
 * Writes a stream's chunks to a file as they arrive: one writev at a time, each taking every chunk that arrived
 * while the previous one ran, so a large file goes down in a few big writes while its source keeps being read.
 * Used for layer entries (storage) and build-context files.
 */
import type { FileHandle } from 'node:fs/promises';

/** Unwritten bytes before reading waits for the disk. */
const MAX_UNWRITTEN = 8 * 1024 * 1024;

/** `onChunk` sees every chunk in order (e.g. to hash it) as it is read. */
export async function writeChunks(fh: FileHandle, chunks: AsyncIterable<Buffer>, onChunk?: (chunk: Buffer) => void): Promise<void> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let busy = false;
  let inflight: Promise<void> = Promise.resolve();
  const start = () => {
    const bufs = pending;
    pending = [];
    pendingLen = 0;
    busy = true;
    inflight = fh.writev(bufs).then(() => { busy = false; });
    inflight.catch(() => {}); // awaited below
  };
  for await (const chunk of chunks) {
    onChunk?.(chunk);
    pending.push(chunk);
    pendingLen += chunk.length;
    if (busy && pendingLen < MAX_UNWRITTEN) continue;
    await inflight;
    start();
  }
  await inflight;
  if (pending.length) {
    start();
    await inflight;
  }
}
