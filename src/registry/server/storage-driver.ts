/**
 * The registry's storage seam (distribution registry/storage/driver/storagedriver.go, 8 of its 11 methods):
 * path-based, content-agnostic. Paths are absolute within the driver (`/v1/blobs/...`); the layout above it is in
 * layout.ts. Errors: a missing path is `notFound` (lib errdefs) for every method.
 */
import type { Readable } from 'node:stream';

export type Op = { signal?: AbortSignal };

export interface FileInfo {
  path: string;
  size: number;
  modTime: Date;
  isDir: boolean;
}

/** An append-only writer (distribution FileWriter). Nothing is durable before commit(). */
export interface FileWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes in the file, including what was there before an appending writer opened it. */
  readonly size: number;
  /** Flush, fsync and close. */
  commit(): Promise<void>;
  /** Close and remove the file. */
  cancel(): Promise<void>;
  /** Flush and close without fsync. */
  close(): Promise<void>;
}

export interface StorageDriver {
  getContent(p: string, o?: Op): Promise<Uint8Array>;
  /** Atomic replace: readers see the old or the new content, never a part. */
  putContent(p: string, b: Uint8Array, o?: Op): Promise<void>;
  /** A stream from `offset`, `length` bytes (to the end when omitted). */
  reader(p: string, offset: number, o?: Op & { length?: number }): Promise<Readable>;
  writer(p: string, append: boolean, o?: Op): Promise<FileWriter>;
  stat(p: string, o?: Op): Promise<FileInfo>;
  /** Full paths of the direct children of a directory. */
  list(p: string, o?: Op): Promise<string[]>;
  /** Atomic rename; creates the destination's parents and replaces an existing destination. */
  move(from: string, to: string, o?: Op): Promise<void>;
  /** Removes a file or a whole directory tree. */
  delete(p: string, o?: Op): Promise<void>;
}
