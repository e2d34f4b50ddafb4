/**
 * Image records: one per image ID (the config digest), with the references (tags, digests) naming it.
 *
 * Persisted in `<dataRoot>/images.json`, replaced atomically on every change:
 *   {"schemaVersion":1,"images":{"sha256:<config hex>": ImageRecord}}
 * References are stored fully qualified (`docker.io/library/busybox:latest`). An image with no reference
 * (dangling) is kept by its ID. Records are written last, after the blobs and snapshots they point at.
 */
import { readJson, writeJsonAtomic } from '../lib/atomic-fs.ts';
import type { Descriptor, Digest, Labels } from '../oci/index.ts';

const SCHEMA_VERSION = 1;

export interface ImageRecord {
  /** Image ID: the config digest. */
  id: Digest;
  /** The manifest describing config and layers. */
  target: Descriptor;
  /** Fully qualified references, tags and digests. */
  names: string[];
  labels: Labels;
  createdAt: string;
  updatedAt: string;
  lastTagTime?: string;
  /** The image this one was built or committed on (Docker's Parent; '' or absent for none). */
  parent?: string;
  /** Classic-builder cache key of the step that produced this image from `parent`. */
  cacheKey?: string;
}

interface FileFormat {
  schemaVersion: number;
  images: Record<string, ImageRecord>;
}

export class ImageRecordStore {
  private readonly path: string;
  private readonly images = new Map<string, ImageRecord>();
  private readonly byName = new Map<string, string>();

  private constructor(path: string) {
    this.path = path;
  }

  static async open(path: string): Promise<ImageRecordStore> {
    const s = new ImageRecordStore(path);
    const f = await readJson<FileFormat>(path);
    if (f && f.schemaVersion !== SCHEMA_VERSION) throw new Error(`unsupported images.json schema ${f.schemaVersion}`);
    for (const r of Object.values(f?.images ?? {})) s.set(r);
    return s;
  }

  all(): ImageRecord[] {
    return [...this.images.values()];
  }

  get(id: string): ImageRecord | undefined {
    return this.images.get(id);
  }

  idForName(name: string): string | undefined {
    return this.byName.get(name);
  }

  /** Inserts or replaces a record (in memory; call save()). */
  set(r: ImageRecord): void {
    const old = this.images.get(r.id);
    for (const n of old?.names ?? []) this.byName.delete(n);
    this.images.set(r.id, r);
    for (const n of r.names) this.byName.set(n, r.id);
  }

  delete(id: string): void {
    const old = this.images.get(id);
    for (const n of old?.names ?? []) this.byName.delete(n);
    this.images.delete(id);
  }

  async save(): Promise<void> {
    const images: Record<string, ImageRecord> = {};
    for (const [id, r] of this.images) images[id] = r;
    await writeJsonAtomic(this.path, { schemaVersion: SCHEMA_VERSION, images } satisfies FileFormat);
  }
}
