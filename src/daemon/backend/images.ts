/** The images API backends: ImageService itself for local images, and the distribution adapter (pull, push, save, load, login). */
import type { Readable } from 'node:stream';
import type { DistributionBackend, ImagesBackend, RegistryAuth } from '../../api/routers/images/backend.ts';
import { isEngineError, notFound, unauthorized, type Logger } from '../../lib/index.ts';
import { familiarName, familiarString, parseReference, registryHostOf, type Reference } from '../../oci/index.ts';
import type { EventBus } from '../events.ts';
import { RegistryClient, registryConnection } from '../../registry/client/index.ts';
import { insecureMatcher, loadImages, pullImage, pushImage, saveImages, type ImageService, type LayerMetadataStore, type RegistrySettings } from '../../image/index.ts';

export function imagesBackend(images: ImageService): ImagesBackend {
  return images;
}

export class DistributionBackendImpl implements DistributionBackend {
  private readonly images: ImageService;
  private readonly registries: () => RegistrySettings;
  private readonly log?: Logger;
  private readonly events?: EventBus;
  private readonly layerMetadata?: LayerMetadataStore;

  constructor(o: { images: ImageService; registries: () => RegistrySettings; log?: Logger; events?: EventBus; layerMetadata?: LayerMetadataStore }) {
    this.images = o.images;
    this.layerMetadata = o.layerMetadata;
    this.registries = o.registries;
    this.log = o.log;
    this.events = o.events;
  }

  /** An image event as dockerd logs it: the image's labels plus `name`. */
  private async imageEvent(action: string, id: string, name: string, ref = id): Promise<void> {
    if (!this.events) return;
    const labels = await this.images.resolve(ref).then((r) => r.config.config?.Labels ?? {}, () => ({}));
    this.events.publish('image', action, id, { ...labels, name });
  }

  /** pull and push events name the reference (moby: FamiliarString as the ID, FamiliarName as `name`). */
  private refEvent(action: string, ref: Reference): Promise<void> {
    return this.imageEvent(action, familiarString(ref), familiarName(ref), familiarString(ref));
  }

  async pull(fromImage: string, o: Parameters<DistributionBackend['pull']>[1]): Promise<void> {
    // moby postImagesCreate: fromImage may carry the tag; a `tag` query that is a digest makes it `@digest`.
    let name = fromImage.replace(/:$/, '');
    if (o.tag) name += o.tag.startsWith('sha256:') ? `@${o.tag}` : `:${o.tag}`;
    const ref = parseReference(name);
    this.log?.info('pull', { ref: name, platform: o.platform, authenticated: Boolean(o.auth) });
    try {
      await pullImage(this.images, ref, { platform: o.platform, auth: o.auth, registries: this.registries(), progress: o.progress, signal: o.signal, layerMetadata: this.layerMetadata });
    } catch (err) {
      // moby TranslatePullError: a refused pull reads as a missing repository (404, so the docker CLI does not
      // answer it with an interactive login prompt).
      if (isEngineError(err) && (err.kind === 'unauthorized' || err.kind === 'forbidden')) {
        throw notFound(`pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${err.message}`, { cause: err });
      }
      throw err;
    }
    await this.refEvent('pull', ref);
  }

  async push(name: string, o: Parameters<DistributionBackend['push']>[1]): Promise<void> {
    this.log?.info('push', { ref: name, tag: o.tag, authenticated: Boolean(o.auth) });
    await pushImage(this.images, name, { tag: o.tag, auth: o.auth, registries: this.registries(), progress: o.progress, signal: o.signal, chunkSize: uploadChunkSize(), layerMetadata: this.layerMetadata });
    await this.refEvent('push', parseReference(o.tag ? `${name}:${o.tag}` : name));
  }

  async save(names: string[], o: { signal: AbortSignal }): Promise<Readable> {
    const out = await saveImages(this.images, names, o);
    // moby logs one `save` per image, named by its ID.
    for (const id of new Set(await Promise.all(names.map(async (n) => (await this.images.resolve(n)).id)))) await this.imageEvent('save', id, id);
    return out;
  }

  async load(archive: Readable, o: Parameters<DistributionBackend['load']>[1]): Promise<void> {
    // The loaded images are the ones the progress names ("Loaded image: REF" / "Loaded image ID: ID").
    const loaded: string[] = [];
    const progress: typeof o.progress = (m) => {
      const stream = (m as { stream?: unknown }).stream;
      const hit = typeof stream === 'string' ? /^Loaded image(?: ID)?: (.+)\n$/.exec(stream) : null;
      if (hit) loaded.push(hit[1]);
      return o.progress(m);
    };
    await loadImages(this.images, archive, { ...o, progress });
    const ids = await Promise.all(loaded.map(async (n) => (await this.images.resolve(n)).id));
    for (const id of new Set(ids)) await this.imageEvent('load', id, id);
  }

  /** moby registry.Service.Auth: checks the credentials with GET /v2/ (basic, or a bearer token from the realm). */
  async login(auth: RegistryAuth, o: { signal: AbortSignal }): Promise<{ Status: string; IdentityToken?: string }> {
    const host = registryHostOf(auth.serveraddress);
    const { endpoint, fetch } = registryConnection(host, { insecure: insecureMatcher(this.registries().insecure), certsDir: this.registries().certsDir });
    this.log?.info('login', { registry: host, username: auth.username });
    const client = new RegistryClient(endpoint, { auth, fetch });
    try {
      await client.ping(o);
    } catch (err) {
      if (isEngineError(err) && err.kind === 'unauthorized') {
        throw unauthorized(`login attempt to ${endpoint.url}/v2/ failed with status: 401 Unauthorized`);
      }
      throw err;
    }
    return { Status: 'Login Succeeded' };
  }
}

/** BERTH_UPLOAD_CHUNK_SIZE (bytes) makes pushes use chunked PATCH uploads above that size; tests use it. */
function uploadChunkSize(): number | undefined {
  const n = Number(process.env.BERTH_UPLOAD_CHUNK_SIZE);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
