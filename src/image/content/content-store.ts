/** The content store seam (containerd core/content): immutable blobs addressed by digest. */
import type { Readable } from 'node:stream';
import type { Digest, Labels } from '../../oci/index.ts';

export interface BlobInfo { digest: Digest; size: number; createdAt: Date }
export interface IngestStatus { ref: string; offset: number }

export interface ContentWriter extends AsyncDisposable {
  /** Appends a chunk, or several in one writev. */
  write(chunk: Uint8Array | readonly Uint8Array[]): Promise<void>;
  status(): IngestStatus;
  /** Verifies size and digest, fsyncs and moves the blob into place (a no-op if it already exists). */
  commit(size: number, expected: Digest, o?: { labels?: Labels }): Promise<void>;
}

export interface ContentStore {
  reader(d: Digest, o?: { signal?: AbortSignal }): Promise<Readable>;
  readBlob(d: Digest): Promise<Buffer>;
  writer(ref: string): Promise<ContentWriter>;
  info(d: Digest): Promise<BlobInfo>;
  delete(d: Digest): Promise<void>;
  abort(ref: string): Promise<void>;
  walk(fn: (i: BlobInfo) => Promise<void>, o?: { signal?: AbortSignal }): Promise<void>;
}
