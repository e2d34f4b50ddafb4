/** Blobs: content shared across repositories by digest, visible in a repository through its `_layers` link. */
import type { Readable } from 'node:stream';
import { RegistryError } from '../protocol/index.ts';
import { layout } from './layout.ts';
import type { Op, StorageDriver } from './storage-driver.ts';
import { deleteIfExists, exists, isSupportedDigest, readLink, writeLink } from './store-util.ts';
import { isNotFound } from '../../lib/index.ts';

export class BlobStore {
  private readonly driver: StorageDriver;
  constructor(driver: StorageDriver) {
    this.driver = driver;
  }

  /** Size of a blob stored anywhere in the registry, or undefined. */
  async statGlobal(digest: string, o?: Op): Promise<number | undefined> {
    if (!isSupportedDigest(digest)) return undefined;
    try {
      return (await this.driver.stat(layout.blobData(digest), o)).size;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Size of a blob visible in repository `name`; BLOB_UNKNOWN otherwise. */
  async stat(name: string, digest: string, o?: Op): Promise<number> {
    if (!isSupportedDigest(digest)) throw new RegistryError('DIGEST_INVALID', { message: 'unsupported or malformed digest', detail: { digest } });
    const linked = await readLink(this.driver, layout.layerLink(name, digest));
    const size = linked === digest ? await this.statGlobal(digest, o) : undefined;
    if (size === undefined) throw new RegistryError('BLOB_UNKNOWN', { detail: { digest } });
    return size;
  }

  async open(name: string, digest: string, range: { offset: number; length: number }, o?: Op): Promise<Readable> {
    await this.stat(name, digest, o);
    return this.driver.reader(layout.blobData(digest), range.offset, { length: range.length, signal: o?.signal });
  }

  async link(name: string, digest: string): Promise<void> {
    const p = layout.layerLink(name, digest);
    if ((await readLink(this.driver, p)) !== digest) await writeLink(this.driver, p, digest);
  }

  async isLinked(name: string, digest: string): Promise<boolean> {
    return isSupportedDigest(digest) && (await readLink(this.driver, layout.layerLink(name, digest))) === digest && (await this.statGlobal(digest)) !== undefined;
  }

  /** Removes the blob from one repository (the content stays until gc). */
  async unlink(name: string, digest: string): Promise<void> {
    await this.stat(name, digest);
    await deleteIfExists(this.driver, layout.layerLink(name, digest).replace(/\/link$/, ''));
  }

  /** Makes verified content at `source` the blob `digest` (a rename), unless the blob already exists. */
  async ingest(digest: string, source: string): Promise<void> {
    if (await exists(this.driver, layout.blobData(digest))) return;
    await this.driver.move(source, layout.blobData(digest));
  }

  /** Stores small content (a manifest) as a blob. */
  async putSmall(digest: string, body: Uint8Array): Promise<void> {
    if (await exists(this.driver, layout.blobData(digest))) return;
    await this.driver.putContent(layout.blobData(digest), body);
  }

  async getSmall(digest: string): Promise<Uint8Array> {
    return this.driver.getContent(layout.blobData(digest));
  }
}
