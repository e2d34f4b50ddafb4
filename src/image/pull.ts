/**
 * Pull (moby distribution/pull_v2 behaviour): resolve the reference on its registry (or the docker.io mirrors),
 * pick the platform's manifest from a list/index, fetch the config and every layer concurrently into the content
 * store (each verified by size and digest on commit, so a tampered or truncated blob is never stored), unpack the
 * layers in order into snapshots (the diff id must match the config), and only then record the image with its
 * tag and RepoDigest. Layers whose blob and snapshot exist are skipped ("Already exists"). Blobs and snapshots
 * are leased while the pull runs; a pull that fails leaves no record, no ingest file and no half-unpacked snapshot.
 */
import { randomBytes } from 'node:crypto';
import { invalidArgument, isNotFound, notFound, unavailable } from '../lib/errdefs.ts';
import {
  chainIds, familiarString, isDigest, MediaType, withDefaultTag,
  type ChainId, type Descriptor, type Digest, type ImageConfig, type Index, type Manifest, type Reference,
} from '../oci/index.ts';
import { RegistryClient, registryConnection, type AuthConfig } from '../registry/client/index.ts';
import type { ContentStore } from './content/content-store.ts';
import type { ImageService } from './image-service.ts';
import { recordPulledLayers, type LayerMetadataStore } from './layer-metadata.ts';
import { parsePlatform } from './image-service.ts';
import { byteProgress, shortDigest, type ProgressSink } from './progress.ts';

/** Daemon registry settings (daemon.json `registry-mirrors`, `insecure-registries`). */
export interface RegistrySettings {
  mirrors: string[];
  /** Hosts (host[:port]) or CIDRs that are reached over plain HTTP. */
  insecure: string[];
  /** certs.d root: per-registry CAs and client certificates (dockerd's /etc/docker/certs.d). */
  certsDir?: string;
}

export interface PullOptions {
  platform?: string;
  auth?: AuthConfig;
  registries?: RegistrySettings;
  progress: ProgressSink;
  signal?: AbortSignal;
  /** Layers downloaded at once (dockerd's max-concurrent-downloads, default 3). */
  concurrency?: number;
  fetch?: typeof fetch;
  /** Where each pulled layer's blob came from (v2metadata), so a push can mount it rather than upload it. */
  layerMetadata?: LayerMetadataStore;
}

const MANIFEST_TYPES = new Set<string>([MediaType.dockerManifest, MediaType.ociManifest]);
const INDEX_TYPES = new Set<string>([MediaType.dockerManifestList, MediaType.ociIndex]);

export function insecureMatcher(list: string[]): (host: string) => boolean {
  return (host) => list.some((entry) => {
    if (entry === host || entry === host.replace(/:\d+$/, '')) return true;
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(entry);
    const h = /^(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/.exec(host);
    if (!m || !h) return false;
    const n = (ip: string) => ip.split('.').reduce((a, b) => (a << 8) + Number(b), 0) >>> 0;
    const bits = Number(m[2]);
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return ((n(m[1]) & mask) >>> 0) === ((n(h[1]) & mask) >>> 0);
  });
}

/** The registries to try for a reference: the mirrors first for docker.io, then the registry itself. */
export function clientsFor(ref: Reference, o: { auth?: AuthConfig; registries?: RegistrySettings; fetch?: typeof fetch }): { client: RegistryClient; mirror: boolean }[] {
  const insecure = insecureMatcher(o.registries?.insecure ?? []);
  const out: { client: RegistryClient; mirror: boolean }[] = [];
  if (ref.domain === 'docker.io') {
    for (const m of o.registries?.mirrors ?? []) out.push({ client: new RegistryClient({ url: m }, { fetch: o.fetch }), mirror: true });
  }
  const conn = registryConnection(ref.domain, { insecure, certsDir: o.registries?.certsDir, fetch: o.fetch });
  out.push({ client: new RegistryClient(conn.endpoint, { auth: o.auth, fetch: conn.fetch }), mirror: false });
  return out;
}

/** Matches a manifest list entry against the wanted platform (variant only when asked). */
function pickPlatform(index: Index, want: { os: string; architecture: string; variant?: string }): Descriptor | undefined {
  const ok = index.manifests.filter((d) => MANIFEST_TYPES.has(d.mediaType) && d.platform
    && d.platform.os === want.os && d.platform.architecture === want.architecture
    && (!want.variant || d.platform.variant === want.variant));
  return ok[0];
}

export async function pullImage(images: ImageService, input: Reference, o: PullOptions): Promise<{ id: Digest; digest: Digest }> {
  const ref = withDefaultTag(input);
  const want = parsePlatform(o.platform);
  const tagOrDigest = ref.digest ?? ref.tag!;
  const shown = familiarString(ref);
  // Resolve the manifest, trying mirrors first for docker.io.
  let client: RegistryClient | undefined;
  let top: { bytes: Buffer; mediaType: string; digest: Digest } | undefined;
  let lastErr: unknown;
  for (const c of clientsFor(ref, o)) {
    try {
      top = await c.client.getManifest(ref.path, tagOrDigest, { signal: o.signal });
      client = c.client;
      break;
    } catch (err) {
      lastErr = err;
      if (!c.mirror || o.signal?.aborted) break;
    }
  }
  if (!client || !top) {
    if (isNotFound(lastErr)) throw notFound(`manifest for ${shown} not found: ${(lastErr as Error).message.replace(/^manifest for \S+ not found: /, '')}`, { cause: lastErr });
    throw lastErr;
  }
  let manifestBytes = top.bytes;
  let manifestType = top.mediaType;
  let manifestDigest = top.digest;
  if (INDEX_TYPES.has(top.mediaType)) {
    const index = JSON.parse(top.bytes.toString()) as Index;
    const d = pickPlatform(index, want);
    if (!d) throw notFound(`no matching manifest for ${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ''} in the manifest list entries`);
    const m = await client.getManifest(ref.path, d.digest, { signal: o.signal });
    manifestBytes = m.bytes;
    manifestType = m.mediaType || d.mediaType;
    manifestDigest = m.digest;
  } else if (!MANIFEST_TYPES.has(top.mediaType)) {
    throw invalidArgument(`unsupported manifest media type ${top.mediaType || '(none)'} for ${shown}`);
  }
  const manifest = JSON.parse(manifestBytes.toString()) as Manifest;
  if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers)) throw invalidArgument(`invalid manifest for ${shown}`);
  for (const d of [manifest.config, ...manifest.layers]) {
    if (!isDigest(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0) throw invalidArgument(`invalid descriptor in manifest for ${shown}`);
  }
  const repo = ref.path;
  o.progress({ status: `Pulling from ${ref.path}`, id: tagOrDigest });

  const configBytes = await client.readBlob(repo, manifest.config.digest, { signal: o.signal });
  const config = JSON.parse(configBytes.toString()) as ImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) throw invalidArgument(`image config for ${shown} has ${diffIds.length} diff ids for ${manifest.layers.length} layers`);
  if (o.platform && (config.os !== want.os || config.architecture !== want.architecture)) {
    throw notFound(`image with reference ${shown} was found but does not match the specified platform: wanted ${want.os}/${want.architecture}, actual: ${config.os}/${config.architecture}`);
  }
  const chains = chainIds(diffIds);
  const leaseKeys = [manifest.config.digest, manifestDigest, ...manifest.layers.map((l) => l.digest), ...chains];
  return images.withLease(leaseKeys, async () => {
    const content = images.contentStore;
    await content.put(configBytes);
    // Per-layer state: skip what exists, download the rest (bounded), unpack in order.
    const present: boolean[] = [];
    // As pull_v2: an image whose config and layers are all here needs no layer message at all.
    let whole = true;
    for (let i = 0; i < manifest.layers.length && whole; i++) whole = (await images.hasBlob(manifest.layers[i].digest)) && (await images.hasLayer(chains[i]));
    for (let i = 0; i < manifest.layers.length; i++) {
      if (whole) { present[i] = true; continue; }
      const l = manifest.layers[i];
      present[i] = (await images.hasBlob(l.digest)) && (await images.hasLayer(chains[i]));
      o.progress({ status: present[i] ? 'Already exists' : 'Pulling fs layer', progressDetail: {}, id: shortDigest(l.digest) });
    }
    const downloads = new Map<string, Promise<void>>();
    const queue: (() => Promise<void>)[] = [];
    let running = 0;
    const limit = o.concurrency ?? 3;
    const schedule = (fn: () => Promise<void>) => new Promise<void>((resolve, reject) => {
      const job = async () => {
        running++;
        try { await fn(); resolve(); } catch (e) { reject(e); } finally {
          running--;
          queue.shift()?.();
        }
      };
      if (running < limit) void job(); else queue.push(job);
    });
    const download = (l: Descriptor, i: number): Promise<void> => {
      let p = downloads.get(l.digest);
      if (!p) {
        p = schedule(async () => {
          if (await images.hasBlob(l.digest)) {
            o.progress({ status: 'Download complete', progressDetail: {}, id: shortDigest(l.digest) });
            return;
          }
          // A layer whose parent is unpacked already is stored and unpacked as it downloads.
          if (!(await images.hasLayer(chains[i])) && (i === 0 || (await images.hasLayer(chains[i - 1])))) {
            await fetchAndUnpack(images, client!, repo, l, { parent: i > 0 ? chains[i - 1] : undefined, chain: chains[i], diffId: diffIds[i] }, o);
            return;
          }
          await fetchBlobInto(content, client!, repo, l, o);
        });
        p.catch(() => {});
        downloads.set(l.digest, p);
      }
      return p;
    };
    const pending = manifest.layers.map((l, i) => (present[i] ? Promise.resolve() : download(l, i)));
    try {
      for (let i = 0; i < manifest.layers.length; i++) {
        await pending[i];
        if (present[i] || (await images.hasLayer(chains[i]))) {
          if (!present[i]) o.progress({ status: 'Pull complete', progressDetail: {}, id: shortDigest(manifest.layers[i].digest) });
          continue;
        }
        const l = manifest.layers[i];
        const id = shortDigest(l.digest);
        await images.unpackLayer(l.digest, {
          parent: i > 0 ? chains[i - 1] : undefined, chain: chains[i], diffId: diffIds[i], signal: o.signal,
          onProgress: byteProgress(o.progress, id, 'Extracting', l.size),
        });
        o.progress({ status: 'Pull complete', progressDetail: {}, id });
      }
    } finally {
      await Promise.allSettled(pending);
    }
    const stored = await content.put(manifestBytes);
    if (stored !== manifestDigest) throw invalidArgument(`manifest digest changed while storing for ${shown}`);
    const digestRef: Reference = { domain: ref.domain, path: ref.path, digest: top.digest };
    const refs = ref.tag ? [{ domain: ref.domain, path: ref.path, tag: ref.tag }, digestRef] : [digestRef];
    const { id, previous } = await images.registerImage({ mediaType: manifestType, digest: manifestDigest, size: manifestBytes.length }, refs);
    await recordPulledLayers(o.layerMetadata, diffIds, manifest.layers, `${ref.domain}/${ref.path}`);
    o.progress({ status: `Digest: ${top.digest}` });
    o.progress({ status: `Status: ${previous[0] === id ? 'Image is up to date' : 'Downloaded newer image'} for ${shown}` });
    return { id, digest: top.digest };
  });
}

/** Downloads one layer straight into its snapshot (ImageService.storeAndUnpackLayer verifies and commits both). */
async function fetchAndUnpack(images: ImageService, client: RegistryClient, repo: string, l: Descriptor, layer: { parent?: ChainId; chain: ChainId; diffId: Digest }, o: PullOptions): Promise<void> {
  const id = shortDigest(l.digest);
  const { stream } = await client.getBlob(repo, l.digest, { signal: o.signal });
  await images.storeAndUnpackLayer(stream, l, { ...layer, signal: o.signal, onBytes: byteProgress(o.progress, id, 'Downloading', l.size) });
  o.progress({ status: 'Verifying Checksum', progressDetail: {}, id });
  o.progress({ status: 'Download complete', progressDetail: {}, id });
  byteProgress(o.progress, id, 'Extracting', l.size)(l.size);
}

/** Streams one blob into the content store; the writer's commit checks size and digest before it is visible. */
async function fetchBlobInto(store: ContentStore, client: RegistryClient, repo: string, l: Descriptor, o: PullOptions): Promise<void> {
  const id = shortDigest(l.digest);
  const { stream } = await client.getBlob(repo, l.digest, { signal: o.signal });
  const report = byteProgress(o.progress, id, 'Downloading', l.size);
  await using w = await store.writer(`pull-${l.digest}-${randomBytes(4).toString('hex')}`);
  let n = 0;
  for await (const c of stream) {
    const b = c as Buffer;
    n += b.length;
    if (n > l.size) {
      stream.destroy();
      throw invalidArgument(`blob ${l.digest} is larger than the manifest says (${l.size} bytes)`);
    }
    await w.write(b);
    report(n);
  }
  if (n !== l.size) throw unavailable(`blob ${l.digest}: short read (${n} of ${l.size} bytes)`);
  o.progress({ status: 'Verifying Checksum', progressDetail: {}, id });
  await w.commit(n, l.digest);
  o.progress({ status: 'Download complete', progressDetail: {}, id });
}
