/**
 * Gzip for pushed layers, pigz-style: the input is cut into 1 MiB blocks that are deflated independently on
 * libuv's thread pool (so both cores work), each ending with a sync flush so the raw deflate streams can be
 * concatenated; one gzip header, a final empty block and the CRC-32/ISIZE trailer wrap them (RFC 1952).
 *
 * Blocks that look incompressible (byte entropy of a sample near 8 bits, as random or already-compressed data)
 * are written as stored blocks (level 0) instead of spending CPU for nothing: the btrfs compression heuristic.
 * The output is a plain gzip stream any gunzip reads; for one input and Node version it is always the same.
 */
import { constants, crc32, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';

const deflateRawAsync = promisify(deflateRaw) as (b: Buffer, o: object) => Promise<Buffer>;

export const GZIP_BLOCK = 1024 * 1024;
/** Blocks deflating at once: keeps libuv's 4 pool threads (2 cores here) busy without buffering much. */
const IN_FLIGHT = 4;
/** Fast level: layers are pushed once and pulled many times, but the push is what the user waits for. */
const LEVEL = 1;
/** Shannon entropy (bits per byte) of a sample above which a block is stored rather than deflated. */
const STORE_ENTROPY = 7.5;

/** Byte entropy of up to 4 spread 4 KiB samples of `b`. */
export function sampleEntropy(b: Buffer): number {
  const counts = new Uint32Array(256);
  const win = 4096;
  let n = 0;
  const starts = b.length <= 4 * win ? [0] : [0, 1, 2, 3].map((i) => Math.floor((i * (b.length - win)) / 3));
  for (const s of starts) {
    const end = Math.min(b.length, s + (b.length <= 4 * win ? b.length : win));
    for (let i = s; i < end; i++) counts[b[i]]++;
    n += end - s;
  }
  let h = 0;
  for (const c of counts) if (c) { const p = c / n; h -= p * Math.log2(p); }
  return h;
}

/**
 * `b` as non-final stored deflate blocks (RFC 1951 3.2.4: BTYPE 00, LEN, NLEN, the bytes), written here rather
 * than by zlib's level 0, which copies through its window at a fraction of memcpy speed.
 */
function storedBlocks(b: Buffer): Buffer {
  const max = 65535;
  const n = Math.ceil(b.length / max);
  const out = Buffer.allocUnsafe(b.length + 5 * n);
  let o = 0;
  for (let i = 0; i < b.length; i += max) {
    const len = Math.min(max, b.length - i);
    out[o] = 0;
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    b.copy(out, o + 5, i, i + len);
    o += 5 + len;
  }
  return out;
}

/** Re-blocks a byte stream into GZIP_BLOCK pieces (the last may be shorter). */
async function* blocks(src: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let len = 0;
  for await (const c of src) {
    let b = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    while (len + b.length >= GZIP_BLOCK) {
      const take = GZIP_BLOCK - len;
      parts.push(b.subarray(0, take));
      yield Buffer.concat(parts, GZIP_BLOCK);
      b = b.subarray(take);
      parts = [];
      len = 0;
    }
    if (b.length) { parts.push(b); len += b.length; }
  }
  if (len) yield Buffer.concat(parts, len);
}

/**
 * Gzips `src`, yielding compressed pieces in order. `onRead` gets the running count of input bytes consumed.
 */
export async function* parallelGzip(src: AsyncIterable<Buffer | Uint8Array>, o: { onRead?: (n: number) => void } = {}): AsyncGenerator<Buffer> {
  // Header: magic, deflate, no flags, no mtime (reproducible), XFL 0, OS 255 (unknown).
  yield Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let crc = 0;
  let total = 0;
  const queue: Promise<Buffer>[] = [];
  const start = async (b: Buffer) => (sampleEntropy(b) > STORE_ENTROPY ? storedBlocks(b)
    : deflateRawAsync(b, { level: LEVEL, finishFlush: constants.Z_SYNC_FLUSH }));
  for await (const b of blocks(src)) {
    crc = crc32(b, crc);
    total += b.length;
    o.onRead?.(total);
    const p = start(b);
    p.catch(() => {}); // awaited below; keeps an early stop from leaving an unhandled rejection
    queue.push(p);
    if (queue.length >= IN_FLIGHT) yield await queue.shift()!;
  }
  while (queue.length) yield await queue.shift()!;
  const trailer = Buffer.alloc(10);
  // A final empty fixed-Huffman block (BFINAL=1, BTYPE=01, end-of-block) closes the deflate stream.
  trailer[0] = 0x03;
  trailer[1] = 0x00;
  trailer.writeUInt32LE(crc >>> 0, 2);
  trailer.writeUInt32LE(total % 2 ** 32, 6);
  yield trailer;
}
