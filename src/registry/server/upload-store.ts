/**
 * Blob uploads: bytes stream into a repository's `_uploads/<id>/data` with a running sha256; the final PUT checks
 * size and digest, fsyncs, and renames the file into the shared blob store. A failed check deletes the upload:
 * nothing is stored. Which upload, at which offset, travels in a signed token (upload-state.ts); the running hash
 * is only cached in memory and is recomputed from the file when the cache misses (after a restart).
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { KeyedMutex, isNotFound } from '../../lib/index.ts';
import { RegistryError } from '../protocol/index.ts';
import type { BlobStore } from './blob-store.ts';
import { layout } from './layout.ts';
import type { Op, StorageDriver } from './storage-driver.ts';
import { deleteIfExists, isSupportedDigest } from './store-util.ts';
import type { UploadState, UploadStateSigner } from './upload-state.ts';

const HASH_CACHE_MAX = 1024;

export class UploadStore {
  private readonly driver: StorageDriver;
  private readonly blobs: BlobStore;
  readonly signer: UploadStateSigner;
  private readonly locks = new KeyedMutex();
  /** id → running hash of the first `size` bytes. An optimisation only: the file is the truth. */
  private readonly hashes = new Map<string, { size: number; hash: Hash }>();

  constructor(driver: StorageDriver, blobs: BlobStore, signer: UploadStateSigner) {
    this.driver = driver;
    this.blobs = blobs;
    this.signer = signer;
  }

  async start(name: string, o?: Op): Promise<UploadState> {
    const id = randomUUID();
    const startedAt = new Date().toISOString();
    await this.driver.putContent(layout.uploadStartedAt(name, id), Buffer.from(startedAt), o);
    const w = await this.driver.writer(layout.uploadData(name, id), false, o);
    await w.close();
    this.hashes.set(id, { size: 0, hash: createHash('sha256') });
    this.trimCache();
    return { name, id, offset: 0, startedAt };
  }

  /**
   * The state of upload `id` of `name`, checked against the token when one is given. Unknown uploads, tokens for
   * another upload and forged tokens are BLOB_UPLOAD_UNKNOWN; a token whose offset is stale is BLOB_UPLOAD_INVALID
   * (as distribution does), unless `allowStale` (status queries report the current offset).
   */
  async resolve(name: string, id: string, token: string | undefined, o: { allowStale?: boolean } = {}): Promise<UploadState> {
    if (!/^[a-zA-Z0-9-]{1,64}$/.test(id)) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', { detail: { id } });
    let size: number;
    let startedAt: string;
    try {
      size = (await this.driver.stat(layout.uploadData(name, id))).size;
      startedAt = Buffer.from(await this.driver.getContent(layout.uploadStartedAt(name, id))).toString('utf8');
    } catch (err) {
      if (isNotFound(err)) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', { detail: { id } });
      throw err;
    }
    if (token !== undefined) {
      const s = this.signer.verify(token);
      if (!s || s.name !== name || s.id !== id) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', { message: 'blob upload unknown to registry', detail: { id } });
      if (s.offset !== size && !o.allowStale) throw new RegistryError('BLOB_UPLOAD_INVALID', { message: 'upload state offset does not match the data received', detail: { offset: s.offset, size } });
    }
    return { name, id, offset: size, startedAt };
  }

  /**
   * Appends a request body. `start` (from Content-Range) must equal the bytes received so far, else RANGE_INVALID
   * (416). `length` (Content-Length), when given, must match what arrives, else SIZE_INVALID.
   */
  async append(s: UploadState, body: Readable, o: Op & { start?: number; length?: number } = {}): Promise<UploadState> {
    return this.locks.run(s.id, async () => {
      const cur = await this.resolve(s.name, s.id, undefined);
      if (o.start !== undefined && o.start !== cur.offset) throw new RegistryError('RANGE_INVALID', { detail: { offset: cur.offset } });
      const hash = await this.hashAt(cur);
      this.hashes.delete(s.id);
      const w = await this.driver.writer(layout.uploadData(s.name, s.id), true, o);
      let n = 0;
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          o.signal?.throwIfAborted();
          hash.update(chunk);
          n += chunk.byteLength;
          await w.write(chunk);
        }
      } finally {
        await w.close();
      }
      if (o.length !== undefined && n !== o.length) throw new RegistryError('SIZE_INVALID', { detail: { expected: o.length, received: n } });
      this.hashes.set(s.id, { size: w.size, hash });
      this.trimCache();
      return { ...cur, offset: w.size };
    });
  }

  /**
   * Completes an upload: verifies `digest` (and `size` when given), then makes the data the blob and links it
   * into the repository. On any mismatch the upload is deleted and DIGEST_INVALID/SIZE_INVALID thrown.
   */
  async finish(s: UploadState, digest: string, o: Op & { size?: number } = {}): Promise<string> {
    return this.locks.run(s.id, async () => {
      const cur = await this.resolve(s.name, s.id, undefined);
      if (!isSupportedDigest(digest)) {
        await this.cancelLocked(s.name, s.id);
        throw new RegistryError('DIGEST_INVALID', { message: 'unsupported or malformed digest', detail: { digest } });
      }
      const actual = `sha256:${(await this.hashAt(cur)).digest('hex')}`;
      this.hashes.delete(s.id);
      if (actual !== digest) {
        await this.cancelLocked(s.name, s.id);
        throw new RegistryError('DIGEST_INVALID', { detail: { digest, actual } });
      }
      if (o.size !== undefined && o.size !== cur.offset) {
        await this.cancelLocked(s.name, s.id);
        throw new RegistryError('SIZE_INVALID', { detail: { expected: o.size, received: cur.offset } });
      }
      // fsync the received data before it becomes visible under its digest.
      await (await this.driver.writer(layout.uploadData(s.name, s.id), true)).commit();
      await this.blobs.ingest(digest, layout.uploadData(s.name, s.id));
      await this.blobs.link(s.name, digest);
      await deleteIfExists(this.driver, layout.uploadDir(s.name, s.id));
      return digest;
    });
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.resolve(name, id, undefined);
    await this.locks.run(id, () => this.cancelLocked(name, id));
  }

  private async cancelLocked(name: string, id: string): Promise<void> {
    this.hashes.delete(id);
    await deleteIfExists(this.driver, layout.uploadDir(name, id));
  }

  /** A hash of the upload's first `s.offset` bytes: from the cache, else recomputed from the file. */
  private async hashAt(s: UploadState): Promise<Hash> {
    const cached = this.hashes.get(s.id);
    if (cached && cached.size === s.offset) return cached.hash;
    const hash = createHash('sha256');
    if (s.offset > 0) {
      const r = await this.driver.reader(layout.uploadData(s.name, s.id), 0, { length: s.offset });
      for await (const chunk of r as AsyncIterable<Buffer>) hash.update(chunk);
    }
    return hash;
  }

  private trimCache(): void {
    while (this.hashes.size > HASH_CACHE_MAX) {
      const first = this.hashes.keys().next().value;
      if (first === undefined) break;
      this.hashes.delete(first);
    }
  }
}
