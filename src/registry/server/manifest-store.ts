/**
 * Manifests, tags, referrers and the catalog. A manifest's bytes are a blob; a repository holds a revision link
 * per manifest, a link per tag, and a referrer link per manifest that names a `subject`.
 */
import { createHash } from 'node:crypto';
import { isNotFound } from '../../lib/index.ts';
import type { Descriptor } from '../../oci/index.ts';
import { ManifestMediaType, RegistryError, isDigestReference, isValidTag, type RegistryErrorCode } from '../protocol/index.ts';
import type { BlobStore } from './blob-store.ts';
import { layout } from './layout.ts';
import type { StorageDriver } from './storage-driver.ts';
import { childNames, deleteIfExists, exists, isSupportedDigest, readLink, writeLink } from './store-util.ts';

/** Manifests larger than this are refused (the spec asks registries to accept at least 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 << 20;

const INDEX_TYPES: ReadonlySet<string> = new Set([ManifestMediaType.ociIndex, ManifestMediaType.dockerManifestList]);
const IMAGE_TYPES: ReadonlySet<string> = new Set([ManifestMediaType.ociManifest, ManifestMediaType.dockerManifest]);

interface ParsedManifest {
  schemaVersion?: unknown;
  mediaType?: unknown;
  artifactType?: unknown;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface StoredManifest {
  digest: string;
  mediaType: string;
  body: Uint8Array;
}

/** The media type of manifest bytes: their `mediaType` field, else OCI's by shape. */
export function manifestMediaType(m: ParsedManifest): string {
  if (typeof m.mediaType === 'string' && m.mediaType) return m.mediaType;
  return Array.isArray(m.manifests) ? ManifestMediaType.ociIndex : ManifestMediaType.ociManifest;
}

function invalid(detail: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', { detail });
}

function checkDescriptor(d: unknown, what: string): asserts d is Descriptor {
  const x = d as Descriptor | undefined;
  if (!x || typeof x !== 'object' || typeof x.mediaType !== 'string' || typeof x.digest !== 'string' || !isDigestReference(x.digest) || !Number.isSafeInteger(x.size) || x.size < 0)
    throw invalid(`${what} is not a valid descriptor`);
}

export class ManifestStore {
  private readonly driver: StorageDriver;
  private readonly blobs: BlobStore;
  constructor(driver: StorageDriver, blobs: BlobStore) {
    this.driver = driver;
    this.blobs = blobs;
  }

  /**
   * Validates and stores a manifest under `reference` (a tag or the manifest's digest). Every blob an image
   * manifest names must be in the repository, and every manifest an index names must be too
   * (MANIFEST_BLOB_UNKNOWN, one error per missing digest). The subject need not exist.
   */
  async put(name: string, reference: string, body: Uint8Array, contentType: string | undefined): Promise<{ digest: string; subject?: string }> {
    if (body.byteLength > MAX_MANIFEST_BYTES) throw new RegistryError('SIZE_INVALID', { message: 'manifest too large', detail: { limit: MAX_MANIFEST_BYTES } });
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const isDigestRef = reference.includes(':');
    if (isDigestRef) {
      if (!isSupportedDigest(reference)) throw new RegistryError('DIGEST_INVALID', { message: 'unsupported or malformed digest', detail: { digest: reference } });
      if (reference !== digest) throw new RegistryError('DIGEST_INVALID', { detail: { digest: reference, actual: digest } });
    } else if (!isValidTag(reference)) {
      throw new RegistryError('TAG_INVALID', { message: 'invalid tag', detail: { tag: reference } });
    }
    let m: ParsedManifest;
    try {
      m = JSON.parse(Buffer.from(body).toString('utf8')) as ParsedManifest;
    } catch (err) {
      throw invalid(`manifest is not JSON: ${(err as Error).message}`);
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid('manifest is not a JSON object');
    if (m.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
    const mediaType = manifestMediaType(m);
    const ct = contentType?.split(';')[0].trim();
    if (typeof m.mediaType === 'string' && ct && ct !== m.mediaType && ct !== 'application/json' && ct !== 'application/octet-stream')
      throw invalid(`mediaType ${m.mediaType} does not match Content-Type ${ct}`);
    const missing: { code: RegistryErrorCode; detail: unknown }[] = [];
    if (IMAGE_TYPES.has(mediaType)) {
      if (Array.isArray(m.manifests)) throw invalid('an image manifest has no manifests field');
      checkDescriptor(m.config, 'config');
      if (!Array.isArray(m.layers)) throw invalid('layers must be an array');
      m.layers.forEach((l, i) => checkDescriptor(l, `layers[${i}]`));
      for (const d of [m.config, ...m.layers]) {
        // Foreign (non-distributable) layers live elsewhere, named by their URLs.
        if (Array.isArray(d.urls) && d.urls.length > 0) continue;
        if (!(await this.blobs.isLinked(name, d.digest))) missing.push({ code: 'MANIFEST_BLOB_UNKNOWN', detail: { digest: d.digest } });
      }
    } else if (INDEX_TYPES.has(mediaType)) {
      if (!Array.isArray(m.manifests)) throw invalid('manifests must be an array');
      m.manifests.forEach((d, i) => checkDescriptor(d, `manifests[${i}]`));
      for (const d of m.manifests) {
        if (!(await exists(this.driver, layout.revisionLink(name, d.digest)))) missing.push({ code: 'MANIFEST_BLOB_UNKNOWN', detail: { digest: d.digest } });
      }
    } else {
      throw invalid(`unsupported manifest media type ${mediaType}`);
    }
    if (m.subject !== undefined) checkDescriptor(m.subject, 'subject');
    if (missing.length > 0) {
      const [first, ...rest] = missing;
      throw new RegistryError(first.code, { detail: first.detail, more: rest });
    }
    await this.blobs.putSmall(digest, body);
    await this.blobs.link(name, digest);
    await writeLink(this.driver, layout.revisionLink(name, digest), digest);
    if (m.subject) await writeLink(this.driver, layout.referrerLink(name, m.subject.digest, digest), digest);
    if (!isDigestRef) await writeLink(this.driver, layout.tagLink(name, reference), digest);
    return { digest, ...(m.subject ? { subject: m.subject.digest } : {}) };
  }

  /** The digest `reference` names in the repository; MANIFEST_UNKNOWN when none. */
  async resolve(name: string, reference: string): Promise<string> {
    if (reference.includes(':')) {
      if (isSupportedDigest(reference) && (await readLink(this.driver, layout.revisionLink(name, reference))) === reference) return reference;
      throw new RegistryError('MANIFEST_UNKNOWN', { detail: { digest: reference } });
    }
    if (!isValidTag(reference)) throw new RegistryError('TAG_INVALID', { message: 'invalid tag', detail: { tag: reference } });
    const d = await readLink(this.driver, layout.tagLink(name, reference));
    if (!d || !isSupportedDigest(d)) throw new RegistryError('MANIFEST_UNKNOWN', { detail: { tag: reference } });
    return d;
  }

  async get(name: string, reference: string): Promise<StoredManifest> {
    const digest = await this.resolve(name, reference);
    return this.getByDigest(digest);
  }

  async getByDigest(digest: string): Promise<StoredManifest> {
    let body: Uint8Array;
    try {
      body = await this.blobs.getSmall(digest);
    } catch (err) {
      if (isNotFound(err)) throw new RegistryError('MANIFEST_UNKNOWN', { detail: { digest } });
      throw err;
    }
    return { digest, body, mediaType: manifestMediaType(JSON.parse(Buffer.from(body).toString('utf8')) as ParsedManifest) };
  }

  /**
   * By tag: removes the tag. By digest: removes the manifest from the repository with every tag pointing at it and
   * its referrer link (content stays until gc).
   */
  async delete(name: string, reference: string): Promise<void> {
    const digest = await this.resolve(name, reference);
    if (!reference.includes(':')) {
      await deleteIfExists(this.driver, layout.tagDir(name, reference));
      return;
    }
    for (const tag of await childNames(this.driver, layout.tagsRoot(name))) {
      if ((await readLink(this.driver, layout.tagLink(name, tag))) === digest) await deleteIfExists(this.driver, layout.tagDir(name, tag));
    }
    try {
      const m = JSON.parse(Buffer.from(await this.blobs.getSmall(digest)).toString('utf8')) as ParsedManifest;
      if (m.subject?.digest && isSupportedDigest(m.subject.digest)) await deleteIfExists(this.driver, layout.referrerLink(name, m.subject.digest, digest).replace(/\/link$/, ''));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await deleteIfExists(this.driver, layout.revisionDir(name, digest));
  }

  async repositoryExists(name: string): Promise<boolean> {
    return exists(this.driver, layout.manifestsRoot(name));
  }

  /** Tags in lexical order; NAME_UNKNOWN for a repository with no manifests. */
  async tags(name: string): Promise<string[]> {
    if (!(await this.repositoryExists(name))) throw new RegistryError('NAME_UNKNOWN', { detail: { name } });
    const out: string[] = [];
    for (const tag of await childNames(this.driver, layout.tagsRoot(name))) {
      if (await exists(this.driver, layout.tagLink(name, tag))) out.push(tag);
    }
    return out.sort(compareLexical);
  }

  /** Every repository holding manifests, in lexical order. */
  async catalog(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (prefix: string): Promise<void> => {
      const dir = prefix ? `${layout.repositoriesRoot()}/${prefix}` : layout.repositoriesRoot();
      for (const child of await childNames(this.driver, dir)) {
        if (child.startsWith('_')) {
          if (child === '_manifests' && prefix) out.push(prefix);
          continue;
        }
        if ((await this.driver.stat(`${dir}/${child}`)).isDir) await walk(prefix ? `${prefix}/${child}` : child);
      }
    };
    await walk('');
    return out.sort(compareLexical);
  }

  /** Descriptors of the manifests in `name` whose subject is `subject`, optionally of one artifact type. */
  async referrers(name: string, subject: string, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    const root = layout.referrersOf(name, subject);
    for (const alg of await childNames(this.driver, root)) {
      for (const hex of await childNames(this.driver, `${root}/${alg}`)) {
        const digest = await readLink(this.driver, `${root}/${alg}/${hex}/link`);
        if (!digest || !isSupportedDigest(digest)) continue;
        let stored: StoredManifest;
        try {
          stored = await this.getByDigest(digest);
        } catch {
          continue;
        }
        const m = JSON.parse(Buffer.from(stored.body).toString('utf8')) as ParsedManifest;
        const at = typeof m.artifactType === 'string' ? m.artifactType : IMAGE_TYPES.has(stored.mediaType) ? m.config?.mediaType : undefined;
        if (artifactType !== undefined && at !== artifactType) continue;
        const d: Descriptor = { mediaType: stored.mediaType, digest: digest as Descriptor['digest'], size: stored.body.byteLength };
        if (at) d.artifactType = at;
        if (m.annotations && typeof m.annotations === 'object') d.annotations = m.annotations;
        out.push(d);
      }
    }
    return out.sort((a, b) => compareLexical(a.digest, b.digest));
  }
}

export function compareLexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
