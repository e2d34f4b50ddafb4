/**
 * Blobs on the local filesystem (containerd's local content store).
 *
 * Layout under `root` (= <dataRoot>/content):
 *   blobs/sha256/<hex>     committed, immutable blobs
 *   ingest/<ref hash>      in-progress writes; verified (size + digest), fsynced and renamed on commit
 * Ingest files are leftovers after a crash and are removed on open.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncDir } from '../../lib/atomic-fs.ts';
import { errnoCode, invalidArgument, notFound, conflict } from '../../lib/errdefs.ts';
import { digestHex, isDigest, type Digest } from '../../oci/index.ts';
import type { BlobInfo, ContentStore, ContentWriter, IngestStatus } from './content-store.ts';

export class LocalContentStore implements ContentStore {
  readonly root: string;
  private readonly active = new Set<string>();

  private constructor(root: string) {
    this.root = root;
  }

  static async open(root: string): Promise<LocalContentStore> {
    await rm(join(root, 'ingest'), { recursive: true, force: true });
    await mkdir(join(root, 'ingest'), { recursive: true, mode: 0o700 });
    await mkdir(join(root, 'blobs', 'sha256'), { recursive: true, mode: 0o700 });
    return new LocalContentStore(root);
  }

  blobPath(d: Digest): string {
    if (!isDigest(d)) throw invalidArgument(`invalid digest ${d}`);
    return join(this.root, 'blobs', 'sha256', digestHex(d));
  }

  private ingestPath(ref: string): string {
    return join(this.root, 'ingest', createHash('sha256').update(ref).digest('hex'));
  }

  async info(d: Digest): Promise<BlobInfo> {
    try {
      const st = await stat(this.blobPath(d));
      return { digest: d, size: st.size, createdAt: st.mtime };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(`content ${d}: not found`);
      throw err;
    }
  }

  async reader(d: Digest): Promise<Readable> {
    await this.info(d);
    return createReadStream(this.blobPath(d));
  }

  async readBlob(d: Digest): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(`content ${d}: not found`);
      throw err;
    }
  }

  /** Writes a small blob in one go; returns its digest. */
  async put(data: Uint8Array): Promise<Digest> {
    const d = `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
    await using w = await this.writer(`put-${d}-${process.hrtime.bigint()}`);
    await w.write(data);
    await w.commit(data.length, d);
    return d;
  }

  async writer(ref: string): Promise<ContentWriter> {
    if (this.active.has(ref)) throw conflict(`ref ${ref} locked`);
    const path = this.ingestPath(ref);
    const fh = await open(path, 'w', 0o600);
    this.active.add(ref);
    return new LocalWriter(this, ref, path, fh, () => this.active.delete(ref));
  }

  async delete(d: Digest): Promise<void> {
    try {
      await rm(this.blobPath(d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(`content ${d}: not found`);
      throw err;
    }
  }

  async abort(ref: string): Promise<void> {
    await rm(this.ingestPath(ref), { force: true });
  }

  async walk(fn: (i: BlobInfo) => Promise<void>, o: { signal?: AbortSignal } = {}): Promise<void> {
    for (const hex of await readdir(join(this.root, 'blobs', 'sha256'))) {
      o.signal?.throwIfAborted();
      const d = `sha256:${hex}` as Digest;
      if (!isDigest(d)) continue;
      try {
        await fn(await this.info(d));
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
  }

  /** Used by LocalWriter.commit. */
  async install(tmp: string, d: Digest): Promise<void> {
    await rename(tmp, this.blobPath(d));
    await fsyncDir(join(this.root, 'blobs', 'sha256'));
  }
}

class LocalWriter implements ContentWriter {
  private readonly store: LocalContentStore;
  private readonly ref: string;
  private readonly path: string;
  private readonly fh: FileHandle;
  private readonly release: () => void;
  private readonly hash: Hash = createHash('sha256');
  private offset = 0;
  private closed = false;

  constructor(store: LocalContentStore, ref: string, path: string, fh: FileHandle, release: () => void) {
    this.store = store;
    this.ref = ref;
    this.path = path;
    this.fh = fh;
    this.release = release;
  }

  async write(chunk: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (!Array.isArray(chunk)) {
      const c = chunk as Uint8Array;
      await this.fh.write(c);
      this.hash.update(c);
      this.offset += c.length;
      return;
    }
    await this.fh.writev(chunk as Uint8Array[]);
    for (const c of chunk as readonly Uint8Array[]) {
      this.hash.update(c);
      this.offset += c.length;
    }
  }

  status(): IngestStatus {
    return { ref: this.ref, offset: this.offset };
  }

  async commit(size: number, expected: Digest): Promise<void> {
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (this.offset !== size) throw invalidArgument(`unexpected commit size ${this.offset}, expected ${size}`);
    if (actual !== expected) throw invalidArgument(`unexpected commit digest ${actual}, expected ${expected}`);
    await this.fh.sync();
    await this.close();
    await this.store.install(this.path, expected);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }
}
