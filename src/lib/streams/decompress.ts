/**
 * Detects a stream's compression by its magic bytes (as moby's pkg/archive DecompressStream) and returns the
 * decompressed stream: gzip and zstd with node:zlib, bzip2 and xz through the system binaries. Shared by layers
 * (pull, load, import) and build contexts.
 */
import type { Readable, Transform } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { invalidArgument } from '../errdefs.ts';
import { filterProcess } from '../filter-process.ts';
import { peekBytes } from './peek.ts';

export const Compression = { none: 'none', gzip: 'gzip', zstd: 'zstd', bzip2: 'bzip2', xz: 'xz' } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

export function detectCompression(head: Uint8Array): Compression {
  const h = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (h[0] === 0x1f && h[1] === 0x8b) return Compression.gzip;
  if (h.length >= 4 && h.readUInt32LE(0) === 0xfd2fb528) return Compression.zstd;
  if (h.subarray(0, 3).toString('latin1') === 'BZh') return Compression.bzip2;
  if (h.length >= 6 && h.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return Compression.xz;
  return Compression.none;
}

/** Makes a decompressing transform for bzip2/xz (which zlib lacks); by default the system's `bzip2`/`xz -dc`. */
export type ExternalDecompressor = (c: Compression) => Transform | undefined;

export interface Decompressed {
  stream: Readable;
  compression: Compression;
}

/** Peeks at the first bytes of input and wraps it in the matching decompressor. */
export async function decompressStream(input: Readable, o: { external?: ExternalDecompressor; signal?: AbortSignal } = {}): Promise<Decompressed> {
  const { head, stream: replay } = await peekBytes(input, 6);
  const compression = detectCompression(head);
  let decoder: Transform | undefined;
  // 256 KiB output chunks (zlib's default is 16 KiB): 16x fewer tar-parser and write calls; a 100 MB layer unpacks ~1.5x faster.
  if (compression === Compression.gzip) decoder = createGunzip({ chunkSize: 256 * 1024 });
  else if (compression === Compression.zstd) decoder = createZstdDecompress();
  else if (compression !== Compression.none) {
    decoder = o.external?.(compression) ?? systemDecompressor(compression, o.signal);
    if (!decoder) throw invalidArgument(`unsupported compression format ${compression}`);
  }
  if (!decoder) return { stream: replay, compression };
  replay.on('error', (e) => decoder.destroy(e));
  return { stream: replay.pipe(decoder), compression };
}

function systemDecompressor(c: Compression, signal?: AbortSignal): Transform | undefined {
  const bin = c === Compression.bzip2 ? 'bzip2' : c === Compression.xz ? 'xz' : undefined;
  return bin ? (filterProcess(bin, ['-dc'], { signal, errorKind: 'invalid-argument' }) as unknown as Transform) : undefined;
}
