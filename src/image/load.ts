/**
 * `docker load` (moby image/tarexport load): reads Docker's archive (manifest.json, with or without the OCI
 * layout Docker 25+ adds; legacy `<id>/layer.tar` layouts included) or a plain OCI image layout (index.json
 * only), plain or gzip/zstd/bzip2/xz compressed. Every file is streamed into the content store under the digest
 * of its bytes (a file named blobs/sha256/<hex> must hash to <hex>); layers are unpacked in order and must
 * match the config's diff ids; the config is kept byte for byte, so the image ID is the one that was saved.
 * Records are written last, so a broken archive leaves no image behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { invalidArgument } from '../lib/errdefs.ts';
import {
  chainIds, familiarString, MediaType, parseReference,
  type Descriptor, type Digest, type ImageConfig, type Index, type Manifest, type Reference,
} from '../oci/index.ts';
import { decompressStream } from '../storage/index.ts';
import type { ImageService } from './image-service.ts';
import { parsePlatform } from './image-service.ts';
import { byteProgress, shortDigest, type ProgressSink } from './progress.ts';

const SMALL = 8 * 1024 * 1024;

interface LoadTarget { target: Descriptor; tags: Reference[] }

export async function loadImages(images: ImageService, input: Readable, o: { quiet?: boolean; progress: ProgressSink; signal?: AbortSignal }): Promise<void> {
  const content = images.contentStore;
  const files = new Map<string, { digest: Digest; size: number; small?: Buffer }>();
  const { stream } = await decompressStream(input, { signal: o.signal });
  const extract = tar.extract();
  const feed = (async () => {
    try {
      for await (const c of stream) {
        if (!extract.write(c as Buffer)) await new Promise<void>((r) => extract.once('drain', () => r()));
      }
      (extract as unknown as { end(): void }).end();
    } catch (err) {
      extract.destroy(err as Error);
    }
  })();
  const stored: string[] = [];
  try {
    for await (const entry of extract) {
      o.signal?.throwIfAborted();
      const h = entry.header;
      const name = h.name.replace(/^\.\//, '').replace(/^\/+/, '');
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const hash = createHash('sha256');
      const small: Buffer[] = [];
      let n = 0;
      await using w = await content.writer(`load-${randomBytes(8).toString('hex')}`);
      for await (const c of entry) {
        const b = c as Buffer;
        hash.update(b);
        n += b.length;
        if (n <= SMALL) small.push(b);
        await w.write(b);
      }
      const digest = `sha256:${hash.digest('hex')}` as Digest;
      const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
      if (m && `sha256:${m[1]}` !== digest) throw invalidArgument(`invalid archive: ${name} does not match its digest (${digest})`);
      await w.commit(n, digest);
      stored.push(digest);
      files.set(name, { digest, size: n, ...(n <= SMALL ? { small: Buffer.concat(small) } : {}) });
    }
  } finally {
    await feed;
  }
  await images.withLease(stored, async () => {
    const json = <T>(name: string): T | undefined => {
      const f = files.get(name);
      if (!f) return undefined;
      if (!f.small) throw invalidArgument(`invalid archive: ${name} is too large`);
      try {
        return JSON.parse(f.small.toString()) as T;
      } catch {
        throw invalidArgument(`invalid archive: ${name} is not JSON`);
      }
    };
    const blobJson = async <T>(d: Digest): Promise<T> => JSON.parse((await content.readBlob(d)).toString()) as T;
    const targets: LoadTarget[] = [];
    const manifestJson = json<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>('manifest.json');
    const index = json<Index>('index.json');
    // OCI manifests of the layout, by config digest (Docker 25+ archives carry both).
    const ociByConfig = new Map<string, Descriptor>();
    const ociEntries: { desc: Descriptor; name?: string }[] = [];
    if (index) {
      const want = parsePlatform();
      for (const d of index.manifests ?? []) {
        let desc = d;
        if (d.mediaType === MediaType.ociIndex || d.mediaType === MediaType.dockerManifestList) {
          const inner = await blobJson<Index>(d.digest);
          const pick = inner.manifests.find((x) => x.platform?.os === want.os && x.platform?.architecture === want.architecture) ?? inner.manifests[0];
          if (!pick) continue;
          desc = pick;
        }
        if (!(await images.hasBlob(desc.digest))) continue;
        const m = await blobJson<Manifest>(desc.digest);
        ociByConfig.set(m.config.digest, desc);
        ociEntries.push({ desc, name: d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'] });
      }
    }
    if (manifestJson) {
      for (const e of manifestJson) {
        const cfg = files.get(e.Config);
        if (!cfg) throw invalidArgument(`invalid archive: missing config ${e.Config}`);
        const layers: Descriptor[] = [];
        for (const l of e.Layers) {
          const f = files.get(l);
          if (!f) throw invalidArgument(`invalid archive: missing layer ${l}`);
          layers.push({ mediaType: MediaType.ociLayer, digest: f.digest, size: f.size });
        }
        let target = ociByConfig.get(cfg.digest);
        if (!target) {
          const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: cfg.digest, size: cfg.size }, layers };
          const bytes = Buffer.from(JSON.stringify(manifest));
          target = { mediaType: MediaType.ociManifest, digest: await content.put(bytes), size: bytes.length };
        }
        targets.push({ target, tags: (e.RepoTags ?? []).map((t) => parseReference(t)) });
      }
    } else if (ociEntries.length) {
      for (const e of ociEntries) {
        let tags: Reference[] = [];
        if (e.name) {
          try {
            const r = parseReference(e.name);
            tags = r.tag ? [r] : [];
          } catch { /* a bare ref.name such as "latest" names no repository */ }
        }
        targets.push({ target: e.desc, tags });
      }
    } else {
      throw invalidArgument('invalid archive: no manifest.json or index.json');
    }
    for (const t of targets) {
      o.signal?.throwIfAborted();
      const manifest = await blobJson<Manifest>(t.target.digest);
      const config = await blobJson<ImageConfig>(manifest.config.digest);
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (diffIds.length !== manifest.layers.length) throw invalidArgument('invalid archive: layer count does not match the config');
      const chains = chainIds(diffIds);
      for (let i = 0; i < chains.length; i++) {
        if (await images.hasLayer(chains[i])) continue;
        const l = manifest.layers[i];
        const id = shortDigest(diffIds[i]);
        await images.unpackLayer(l.digest, {
          parent: i > 0 ? chains[i - 1] : undefined, chain: chains[i], diffId: diffIds[i], signal: o.signal,
          onProgress: o.quiet ? undefined : byteProgress(o.progress, id, 'Loading layer', l.size),
        });
      }
      const before = t.tags.map((r) => {
        try { return images.imageRecord(familiarString(r)).id; } catch { return undefined; }
      });
      const { id } = await images.registerImage(t.target, t.tags);
      if (t.tags.length === 0) o.progress({ stream: `Loaded image ID: ${id}\n` });
      t.tags.forEach((r, i) => {
        const old = before[i];
        if (old && old !== id) o.progress({ stream: `The image ${familiarString(r)} already exists, renaming the old one with ID ${old} to empty string\n` });
        o.progress({ stream: `Loaded image: ${familiarString(r)}\n` });
      });
    }
  });
}
