/**
 * Push (moby distribution/push_v2): for each tag of the repository, HEAD every layer blob and the config on the
 * registry, mount a blob from another repository of the same registry that has it, upload what is missing
 * (push-layer.ts: uncompressed layers go out gzip-compressed, with the v2metadata map of what is where), then PUT
 * the manifest: the stored one unchanged for an image whose layers are already compressed (a pulled image keeps
 * its digest), or one naming the compressed layers. Messages as dockerd sends them: "The push refers to repository",
 * per layer Preparing / Waiting / Pushing / Pushed / Layer already exists / Mounted from, then
 * "<tag>: digest: <digest> size: <n>" and the aux {Tag, Digest, Size}.
 */
import { invalidArgument, notFound } from '../lib/errdefs.ts';
import {
  familiarName, familiarString, parseReference, repoName, type Descriptor, type Digest, type ImageConfig, type Manifest, type Reference,
} from '../oci/index.ts';
import type { AuthConfig } from '../registry/client/index.ts';
import type { ImageService } from './image-service.ts';
import type { LayerMetadataStore } from './layer-metadata.ts';
import { shortDigest, type ProgressSink } from './progress.ts';
import { gzipTypeFor, pushBlob, pushLayer } from './push-layer.ts';
import { clientsFor, type RegistrySettings } from './pull.ts';

export interface PushOptions {
  tag?: string;
  auth?: AuthConfig;
  registries?: RegistrySettings;
  progress: ProgressSink;
  signal?: AbortSignal;
  chunkSize?: number;
  fetch?: typeof fetch;
  /** diff id → compressed blobs known in registries (v2metadata); without it every plain layer is compressed anew. */
  layerMetadata?: LayerMetadataStore;
}

export async function pushImage(images: ImageService, name: string, o: PushOptions): Promise<void> {
  const repo = parseReference(name);
  if (repo.digest) throw invalidArgument('cannot push a digest reference');
  const tags: Reference[] = [];
  if (o.tag || repo.tag) tags.push({ domain: repo.domain, path: repo.path, tag: o.tag ?? repo.tag });
  else {
    // No tag: every tag of the repository (docker push --all-tags).
    for (const img of await images.list({})) {
      for (const t of img.RepoTags) {
        const r = parseReference(t);
        if (r.domain === repo.domain && r.path === repo.path && r.tag) tags.push(r);
      }
    }
  }
  if (tags.length === 0) throw notFound(`An image does not exist locally with the tag: ${familiarName(repo)}`);
  const records = tags.map((t) => {
    try {
      return images.imageRecord(familiarString(t));
    } catch {
      throw notFound(`An image does not exist locally with the tag: ${familiarString(t)}`);
    }
  });
  const { client } = clientsFor(repo, { auth: o.auth, registries: o.registries, fetch: o.fetch }).at(-1)!;
  o.progress({ status: `The push refers to repository [${repoName(repo)}]` });
  const content = images.contentStore;
  for (let ti = 0; ti < tags.length; ti++) {
    const tag = tags[ti];
    const rec = records[ti];
    const storedBytes = await content.readBlob(rec.target.digest);
    const manifest = JSON.parse(storedBytes.toString()) as Manifest;
    const config = JSON.parse((await content.readBlob(manifest.config.digest)).toString()) as ImageConfig;
    const diffIds = config.rootfs.diff_ids;
    // Other repositories of the same registry naming this image: mount sources.
    const mountFrom = rec.names.map((n) => parseReference(n)).filter((r) => r.domain === repo.domain && r.path !== repo.path).map((r) => r.path);
    const ids = manifest.layers.map((l, i) => shortDigest(diffIds[i] ?? l.digest));
    for (const id of ids) o.progress({ status: 'Preparing', progressDetail: {}, id });
    const target = { client, repo, mountFrom, metadata: o.layerMetadata, content, progress: o.progress, signal: o.signal, chunkSize: o.chunkSize };
    for (const id of ids.slice(3)) o.progress({ status: 'Waiting', progressDetail: {}, id });
    // Up to 5 layers at once (dockerd's max-concurrent-uploads).
    const pushed: Descriptor[] = [];
    let next = 0;
    const worker = async () => {
      while (next < manifest.layers.length) {
        const i = next++;
        pushed[i] = await pushLayer(target, manifest.layers[i], diffIds[i], ids[i], gzipTypeFor(manifest, rec.target.mediaType));
      }
    };
    await Promise.all(Array.from({ length: Math.min(5, manifest.layers.length) }, worker));
    // The manifest goes out unchanged (its digest stays the image's RepoDigest) unless layers were compressed.
    let manifestBytes = storedBytes;
    if (pushed.some((d, i) => d !== manifest.layers[i])) manifestBytes = Buffer.from(JSON.stringify({ ...manifest, layers: pushed }, null, 3));
    await pushBlob(target, manifest.config);
    const digest: Digest = await client.putManifest(repo.path, tag.tag!, manifestBytes, rec.target.mediaType || manifest.mediaType || '', { signal: o.signal });
    await images.registerImage(rec.target, [{ domain: repo.domain, path: repo.path, digest }]);
    o.progress({ status: `${tag.tag}: digest: ${digest} size: ${manifestBytes.length}` });
    o.progress({ progressDetail: {}, aux: { Tag: tag.tag, Digest: digest, Size: manifestBytes.length } });
  }
}
