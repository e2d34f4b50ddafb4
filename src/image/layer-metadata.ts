/**
 * What Berth knows of each layer's blobs in registries (moby distribution/metadata "v2metadata"): for a diff id,
 * the compressed blobs it was pushed or pulled as — digest, size, media type — and the registry repositories
 * each is known to exist in. Push uses it to skip a layer a registry already has (HEAD), to mount it from a
 * sibling repository, and to re-push a layer with the very blob it had before instead of compressing again.
 *
 * On disk: one JSON file `{ "v": 1, "layers": { "<diffId>": [{ digest, size, mediaType, repos: ["host/path"] }] } }`,
 * rewritten atomically (temp file, fsync, rename) after each change, so a kill leaves the old or the new map.
 * The map is a cache: a wrong or stale entry only costs a failed HEAD or mount.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readJson, writeJsonAtomic } from '../lib/atomic-fs.ts';
import type { Digest } from '../oci/index.ts';

export interface KnownBlob { digest: Digest; size: number; mediaType: string; repos: string[] }

interface FileShape { v: 1; layers: Record<string, KnownBlob[]> }

/** Entries kept per diff id, and repositories per entry (oldest dropped): bounds the file. */
const MAX_BLOBS = 4;
const MAX_REPOS = 16;

export class LayerMetadataStore {
  private readonly path: string;
  private layers: Record<string, KnownBlob[]> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  private async load(): Promise<Record<string, KnownBlob[]>> {
    if (!this.layers) {
      const f = await readJson<FileShape>(this.path).catch(() => undefined);
      this.layers ??= f?.v === 1 && f.layers ? f.layers : {};
    }
    return this.layers;
  }

  /** The blobs known for a diff id, most recent first. */
  async get(diffId: Digest): Promise<KnownBlob[]> {
    return [...((await this.load())[diffId] ?? [])];
  }

  /** Records that `blob` (the compressed form of `diffId`) exists in `repo` ("host/path"). */
  async add(diffId: Digest, blob: Omit<KnownBlob, 'repos'>, repo: string): Promise<void> {
    const layers = await this.load();
    const list = layers[diffId] ?? [];
    let e = list.find((x) => x.digest === blob.digest);
    if (e && e.repos[0] === repo && list[0] === e) return;
    if (!e) e = { ...blob, repos: [] };
    e.repos = [repo, ...e.repos.filter((r) => r !== repo)].slice(0, MAX_REPOS);
    layers[diffId] = [e, ...list.filter((x) => x !== e)].slice(0, MAX_BLOBS);
    await this.save();
  }

  /** Writes are chained so concurrent adds never interleave renames of stale snapshots. */
  private save(): Promise<void> {
    this.writing = this.writing.catch(() => {}).then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeJsonAtomic(this.path, { v: 1, layers: this.layers ?? {} } satisfies FileShape);
    });
    return this.writing;
  }
}

/** After a pull: each layer's diff id came as this blob from `repo` ("host/path"). A failed write only loses a hint. */
export async function recordPulledLayers(store: LayerMetadataStore | undefined, diffIds: Digest[], layers: { digest: Digest; size: number; mediaType: string }[], repo: string): Promise<void> {
  if (!store) return;
  for (let i = 0; i < layers.length && i < diffIds.length; i++) {
    const { digest, size, mediaType } = layers[i];
    await store.add(diffIds[i], { digest, size, mediaType }, repo).catch(() => {});
  }
}
