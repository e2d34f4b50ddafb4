/**
 * Push (moby distribution/push_v2): for each tag of the repository, HEAD every layer blob and the config on the
 * registry, mount a blob from another repository of the same registry that this image is also named in, upload
 * what is missing (monolithic, or chunked above the client's chunk size), then PUT the stored manifest unchanged
 * (so its digest is the image's RepoDigest). Messages as dockerd sends them: "The push refers to repository",
 * per layer Preparing / Waiting / Pushing / Pushed / Layer already exists / Mounted from, then
 * "<tag>: digest: <digest> size: <n>" and the aux {Tag, Digest, Size}.
 */
import { invalidArgument, notFound } from '../lib/errdefs.ts';
import {
  familiarName, familiarString, parseReference, repoName, type Descriptor, type Digest, type ImageConfig, type Manifest, type Reference,
} from '../oci/index.ts';
import type { AuthConfig } from '../registry/client/index.ts';
import type { ImageService } from './image-service.ts';
import { byteProgress, shortDigest, type ProgressSink } from './progress.ts';
import { clientsFor, type RegistrySettings } from './pull.ts';

export interface PushOptions {
  tag?: string;
  auth?: AuthConfig;
  registries?: RegistrySettings;
  progress: ProgressSink;
  signal?: AbortSignal;
  chunkSize?: number;
  fetch?: typeof fetch;
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
    const manifestBytes = await content.readBlob(rec.target.digest);
    const manifest = JSON.parse(manifestBytes.toString()) as Manifest;
    const config = JSON.parse((await content.readBlob(manifest.config.digest)).toString()) as ImageConfig;
    const diffIds = config.rootfs.diff_ids;
    // Other repositories of the same registry naming this image: mount sources.
    const mountFrom = rec.names.map((n) => parseReference(n)).filter((r) => r.domain === repo.domain && r.path !== repo.path).map((r) => r.path);
    const ids = manifest.layers.map((l, i) => shortDigest(diffIds[i] ?? l.digest));
    for (const id of ids) o.progress({ status: 'Preparing', progressDetail: {}, id });
    const pushOne = async (d: Descriptor, id?: string) => {
      if (await client.blobExists(repo.path, d.digest, { signal: o.signal })) {
        if (id) o.progress({ status: 'Layer already exists', progressDetail: {}, id });
        return;
      }
      for (const from of mountFrom) {
        if (await client.mountBlob(repo.path, d.digest, from, { signal: o.signal })) {
          if (id) o.progress({ status: `Mounted from ${from}`, progressDetail: {}, id });
          return;
        }
      }
      const report = id ? byteProgress(o.progress, id, 'Pushing', d.size) : undefined;
      await client.uploadBlob(repo.path, d, () => content.reader(d.digest), { signal: o.signal, chunkSize: o.chunkSize, onProgress: report });
      if (id) o.progress({ status: 'Pushed', progressDetail: {}, id });
    };
    for (const id of ids.slice(3)) o.progress({ status: 'Waiting', progressDetail: {}, id });
    // Up to 5 layers at once (dockerd's max-concurrent-uploads).
    let next = 0;
    const worker = async () => {
      while (next < manifest.layers.length) {
        const i = next++;
        await pushOne(manifest.layers[i], ids[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(5, manifest.layers.length) }, worker));
    await pushOne(manifest.config);
    const digest: Digest = await client.putManifest(repo.path, tag.tag!, manifestBytes, rec.target.mediaType || manifest.mediaType || '', { signal: o.signal });
    await images.registerImage(rec.target, [{ domain: repo.domain, path: repo.path, digest }]);
    o.progress({ status: `${tag.tag}: digest: ${digest} size: ${manifestBytes.length}` });
    o.progress({ progressDetail: {}, aux: { Tag: tag.tag, Digest: digest, Size: manifestBytes.length } });
  }
}
