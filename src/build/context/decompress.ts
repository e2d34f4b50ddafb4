/**
 * Build contexts arrive plain, gzip, bzip2 or xz (and zstd): detected by magic bytes as moby's
 * pkg/archive DecompressStream does. gzip/zstd use node:zlib; bzip2 and xz run the system binaries.
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable, type Transform } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { invalidArgument, peekBytes } from '../../lib/index.ts';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  const starts = (...b: number[]) => b.every((x, i) => head[i] === x);
  if (starts(0x1f, 0x8b, 0x08)) return 'gzip';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  return 'none';
}

/** Peeks at the first bytes and returns the decompressed stream. */
export async function decompressStream(input: Readable, o: { signal?: AbortSignal } = {}): Promise<{ stream: Readable; compression: Compression }> {
  const { head, stream: rest } = await peekBytes(input, 6);
  const compression = detectCompression(head);
  const through = (t: Transform | PassThrough) => {
    rest.on('error', (e) => t.destroy(e));
    return rest.pipe(t);
  };
  switch (compression) {
    case 'none': return { stream: rest, compression };
    case 'gzip': return { stream: through(createGunzip({ chunkSize: 256 * 1024 })), compression };
    case 'zstd': return { stream: through(createZstdDecompress()), compression };
    default: return { stream: viaBinary(compression === 'xz' ? 'xz' : 'bzip2', rest, o.signal), compression };
  }
}

function viaBinary(bin: string, input: Readable, signal?: AbortSignal): Readable {
  const child = spawn(bin, ['-d', '-c'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
  const out = new PassThrough();
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.on('error', (e) => out.destroy(invalidArgument(`${bin}: ${e.message}`, { cause: e })));
  input.on('error', (e) => { child.kill(); out.destroy(e); });
  child.stdin.on('error', () => { /* the child failed; its exit reports it */ });
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(invalidArgument(`failed to decompress build context (${bin}): ${Buffer.concat(err).toString().trim() || `exit status ${code}`}`));
  });
  return out;
}
