/**
 * One blob of a push (moby distribution/push_v2 pushLayer): skip it when the target repository has it (HEAD),
 * mount it from a repository of the same registry that has it, or upload it. Layers stored uncompressed (built,
 * committed, imported, loaded) go out gzip-compressed as dockerd sends them: the v2metadata map remembers the
 * compressed blob per diff id and the repositories it is in, so a second push neither compresses nor uploads.
 */
import { MediaType, type Descriptor, type Digest, type Manifest, type Reference } from '../oci/index.ts';
import type { RegistryClient } from '../registry/client/index.ts';
import type { LocalContentStore } from './content/local-content-store.ts';
import type { LayerMetadataStore } from './layer-metadata.ts';
import { parallelGzip } from './parallel-gzip.ts';
import { byteProgress, type ProgressSink } from './progress.ts';

export interface PushTarget {
  client: RegistryClient;
  /** The repository pushed to. */
  repo: Reference;
  /** Other repositories of the same registry that name this image (mount sources). */
  mountFrom: string[];
  metadata?: LayerMetadataStore;
  content: LocalContentStore;
  progress: ProgressSink;
  signal?: AbortSignal;
  chunkSize?: number;
}

const UNCOMPRESSED = new Set<string>([MediaType.ociLayer, MediaType.dockerLayer]);
const GZIP = new Set<string>([MediaType.ociLayerGzip, MediaType.dockerLayerGzip]);

/** The gzip layer type matching a manifest's family (Docker schema 2 or OCI). */
export function gzipTypeFor(m: Manifest, targetMediaType: string): string {
  const type = targetMediaType || m.mediaType || '';
  return type === MediaType.dockerManifest ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip;
}

const repoKey = (t: PushTarget, path = t.repo.path) => `${t.repo.domain}/${path}`;

/** Repository paths of this registry where `repos` ("host/path") says a blob is. */
function sameRegistry(t: PushTarget, repos: string[]): string[] {
  const prefix = `${t.repo.domain}/`;
  return repos.filter((r) => r.startsWith(prefix)).map((r) => r.slice(prefix.length));
}

/** HEAD, then mounts; true when the registry has the blob in the target repository afterwards. */
async function skipOrMount(t: PushTarget, d: Digest, from: string[], id?: string): Promise<boolean> {
  if (await t.client.blobExists(t.repo.path, d, { signal: t.signal })) {
    if (id) t.progress({ status: 'Layer already exists', progressDetail: {}, id });
    return true;
  }
  for (const path of new Set(from)) {
    if (path === t.repo.path) continue;
    if (await t.client.mountBlob(t.repo.path, d, path, { signal: t.signal })) {
      if (id) t.progress({ status: `Mounted from ${path}`, progressDetail: {}, id });
      return true;
    }
  }
  return false;
}

/** A stored blob as it is: a config, or a layer that is already compressed (pulled). */
export async function pushBlob(t: PushTarget, d: Descriptor, id?: string, extraFrom: string[] = []): Promise<void> {
  if (await skipOrMount(t, d.digest, [...t.mountFrom, ...extraFrom], id)) return;
  const report = id ? byteProgress(t.progress, id, 'Pushing', d.size) : undefined;
  await t.client.uploadBlob(t.repo.path, d, () => t.content.reader(d.digest), { signal: t.signal, chunkSize: t.chunkSize, onProgress: report });
  if (id) t.progress({ status: 'Pushed', progressDetail: {}, id });
}

/** Pushes one layer; returns its descriptor for the pushed manifest (the compressed one for a plain layer). */
export async function pushLayer(t: PushTarget, l: Descriptor, diffId: Digest | undefined, id: string, gzipType: string): Promise<Descriptor> {
  const known = diffId && t.metadata ? await t.metadata.get(diffId) : [];
  if (!UNCOMPRESSED.has(l.mediaType) || !diffId) {
    const from = known.filter((k) => k.digest === l.digest).flatMap((k) => sameRegistry(t, k.repos));
    await pushBlob(t, l, id, from);
    if (diffId) await t.metadata?.add(diffId, { digest: l.digest, size: l.size, mediaType: l.mediaType }, repoKey(t));
    return l;
  }
  // A plain layer: a gzip blob pushed (or pulled) before may already be in this registry.
  for (const k of known.filter((x) => GZIP.has(x.mediaType))) {
    if (await skipOrMount(t, k.digest, sameRegistry(t, k.repos), id)) {
      await t.metadata?.add(diffId, k, repoKey(t));
      return { ...l, mediaType: gzipType, digest: k.digest, size: k.size };
    }
  }
  // Compress while uploading: the digest is known only at the end, so one streamed PATCH and PUT ?digest=.
  const report = byteProgress(t.progress, id, 'Pushing', l.size);
  const src = await t.content.reader(l.digest);
  let blob: { digest: Digest; size: number };
  try {
    blob = await t.client.uploadStream(t.repo.path, parallelGzip(src, { onRead: report }), { signal: t.signal });
  } finally {
    src.destroy();
  }
  const { digest, size } = blob;
  t.progress({ status: 'Pushed', progressDetail: {}, id });
  await t.metadata?.add(diffId, { digest, size, mediaType: gzipType }, repoKey(t));
  return { ...l, mediaType: gzipType, digest, size };
}
