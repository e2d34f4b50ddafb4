/**
 * `docker save` (moby image/tarexport, Docker 25+): one tar holding an OCI image layout and Docker's legacy
 * metadata side by side:
 *   blobs/sha256/<hex>   manifests, configs and layers, each stored blob exactly as the content store holds it
 *   index.json           OCI index: one entry per tag (annotations io.containerd.image.name and
 *                        org.opencontainers.image.ref.name), one bare entry for an image saved by ID
 *   oci-layout           {"imageLayoutVersion":"1.0.0"}
 *   manifest.json        [{"Config":"blobs/sha256/<hex>","RepoTags":[...],"Layers":["blobs/sha256/<hex>",...]}]
 *   repositories         {"<familiar repo>":{"<tag>":"<top layer hex>"}}
 * The config blob is written byte for byte, so a load gives back the same image ID.
 */
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { invalidArgument } from '../lib/errdefs.ts';
import {
  digestHex, familiarName, familiarString, isDigest, isFullHexId, MediaType, parseReference,
  type Descriptor, type Digest, type Manifest, type Reference,
} from '../oci/index.ts';
import type { ImageService } from './image-service.ts';

interface SaveItem { id: Digest; target: Descriptor; manifest: Manifest; tags: Reference[] }

function blobName(d: string): string {
  return `blobs/sha256/${digestHex(d)}`;
}

/** Resolves every name (not-found errors before any byte is written), then streams the archive. */
export async function saveImages(images: ImageService, names: string[], o: { signal?: AbortSignal } = {}): Promise<Readable> {
  const items = new Map<string, SaveItem>();
  const content = images.contentStore;
  for (const name of names) {
    const rec = images.imageRecord(name);
    const hexish = /^(sha256:)?[a-f0-9]{1,64}$/.test(name);
    const byId = isDigest(name) || isFullHexId(name) || (hexish && (!tryParse(name) || !rec.names.some((n) => {
      const r = parseReference(n);
      const q = parseReference(name);
      return r.domain === q.domain && r.path === q.path;
    })));
    let wanted: Reference[] = [];
    if (!byId) {
      const ref = parseReference(name);
      if (ref.tag || ref.digest) wanted = ref.tag ? [ref] : [];
      else {
        // A repository name alone saves every tag of that repository (moby's getRefs).
        wanted = rec.names.map((n) => parseReference(n)).filter((r) => r.tag && r.domain === ref.domain && r.path === ref.path);
      }
      if (!ref.tag && !ref.digest && wanted.length === 0) wanted = [{ ...ref, tag: 'latest' }];
    }
    // Every tag of the repository may point at a different image.
    for (const w of wanted.length ? wanted : [undefined]) {
      const r = w ? images.imageRecord(familiarString(w)) : rec;
      let item = items.get(r.id);
      if (!item) {
        const manifest = JSON.parse((await content.readBlob(r.target.digest)).toString()) as Manifest;
        item = { id: r.id, target: r.target, manifest, tags: [] };
        items.set(r.id, item);
      }
      if (w && !item.tags.some((t) => familiarString(t) === familiarString(w))) item.tags.push(w);
    }
  }
  const pack = tar.pack();
  void (async () => {
    const written = new Set<string>();
    const put = (name: string, body: Buffer) => new Promise<void>((resolve, reject) => {
      pack.entry({ name, size: body.length, mode: 0o644, mtime: new Date(0) }, body, (err) => (err ? reject(err) : resolve()));
    });
    const putBlob = async (d: Digest) => {
      if (written.has(d)) return;
      written.add(d);
      const { size } = await content.info(d);
      const src = await content.reader(d);
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ name: blobName(d), size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
        src.on('error', (e) => { sink.destroy(e); reject(e); });
        src.pipe(sink);
      });
    };
    try {
      const dirs = ['blobs/', 'blobs/sha256/'];
      for (const d of dirs) await new Promise<void>((res, rej) => pack.entry({ name: d, type: 'directory', mode: 0o755, mtime: new Date(0) }, (e) => (e ? rej(e) : res())));
      const index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] } = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
      const manifestJson: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
      const repositories: Record<string, Record<string, string>> = {};
      for (const it of items.values()) {
        o.signal?.throwIfAborted();
        for (const l of it.manifest.layers) await putBlob(l.digest);
        await putBlob(it.manifest.config.digest);
        await putBlob(it.target.digest);
        const desc: Descriptor = { mediaType: it.target.mediaType, digest: it.target.digest, size: it.target.size };
        if (it.tags.length === 0) index.manifests.push(desc);
        for (const t of it.tags) {
          index.manifests.push({ ...desc, annotations: { 'io.containerd.image.name': `${t.domain}/${t.path}:${t.tag}`, 'org.opencontainers.image.ref.name': t.tag! } });
          const top = it.manifest.layers.at(-1);
          if (top) (repositories[familiarName(t)] ??= {})[t.tag!] = digestHex(top.digest);
        }
        manifestJson.push({
          Config: blobName(it.manifest.config.digest),
          RepoTags: it.tags.length ? it.tags.map((t) => familiarString(t)) : null,
          Layers: it.manifest.layers.map((l) => blobName(l.digest)),
        });
      }
      await put('index.json', Buffer.from(JSON.stringify(index)));
      await put('manifest.json', Buffer.from(JSON.stringify(manifestJson)));
      await put('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
      if (Object.keys(repositories).length) await put('repositories', Buffer.from(JSON.stringify(repositories)));
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return Readable.from(pack);
}

function tryParse(s: string): boolean {
  try {
    parseReference(s);
    return true;
  } catch {
    if (!/^[a-f0-9]+$/.test(s)) throw invalidArgument(`invalid reference format: ${s}`);
    return false;
  }
}
