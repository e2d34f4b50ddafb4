/**
 * Local images: import, list, inspect, tag, remove, history, prune, and container root filesystems.
 *
 * Stores under dataRoot: content/ (LocalContentStore), snapshots/overlay/ (OverlaySnapshotter), images.json
 * (ImageRecordStore). Layer blobs are stored uncompressed (media type application/vnd.oci.image.layer.v1.tar),
 * so a layer's blob digest is its diff id. Each layer is unpacked once into a committed snapshot named by
 * its chain id; container layers are active snapshots named `container-<id>` on top.
 *
 * Crash safety: blobs and snapshots first, records last. On open, ingest leftovers, `extract-*` snapshots
 * and anything no record or container layer references are removed (gc).
 */
import { createHash, randomBytes } from 'node:crypto';
import { arch as hostArch } from 'node:os';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { conflict, invalidArgument, isNotFound, notFound } from '../lib/errdefs.ts';
import { KeyedMutex } from '../lib/keyed-mutex.ts';
import { shortId } from '../lib/ids.ts';
import {
  chainIds, familiarString, isDigest, isFullHexId, isValidTag, MediaType, parseReference, referenceString,
  withDefaultTag, type ChainId, type Descriptor, type Digest, type ImageConfig, type Manifest,
  type Reference, type ContainerConfigPart, type HistoryEntry,
} from '../oci/index.ts';
import { applyLayer, mountAll, OverlaySnapshotter, SnapshotKind, unmountAll, writableDir } from '../storage/index.ts';
import type { HistoryResponseItem, ImageDeleteResponseItem, ImageInspect, ImagePruneReport, ImageSummary } from './api-shapes.ts';
import { applyChanges } from './changes.ts';
import { blobTee } from './blob-tee.ts';
import { LocalContentStore } from './content/local-content-store.ts';
import { ImageRecordStore, type ImageRecord } from './image-store.ts';
import { imageFilter, labelsMatch, parseUntil, referenceMatcher } from './list-filters.ts';
import { CONTAINER_MOUNT_TARGETS, removeSkipped, upperIsEmpty, upperTar } from './upper-tar.ts';

/** A new image from a container's (or build layer's) changes, or from a config change alone. */
export interface CommitOptions {
  /** The new image's runtime config (replaces the parent's). */
  config: ContainerConfigPart;
  /** The image the layer sits on; undefined for scratch. */
  parentImageId?: string;
  /** Appended to the parent's history (`empty_layer` is set when the step changed no file). */
  history: { created_by: string; comment?: string; author?: string; empty_layer?: boolean };
  /** Image-level comment and author (docker commit -m / -a). */
  comment?: string;
  author?: string;
  /** Classic-builder cache key, recorded with the parent for findCacheChild. */
  cacheKey?: string;
  /**
   * History entries placed between the parent's and the new one (a squashed build keeps its steps' entries,
   * marked `empty_layer`, before the merge entry).
   */
  historyBetween?: HistoryEntry[];
  /**
   * Take the container's snapshot as the new layer's snapshot instead of unpacking the tar again (only when
   * the container is stopped, unmounted and about to be removed).
   */
  takeLayer?: boolean;
  signal?: AbortSignal;
}

/** One build-cache entry for `system df` (an image made by a build step that no tag names). */
export interface BuildCacheEntry { id: string; description: string; createdAt: string; size: number; inUse: boolean; shared: boolean }

export interface ImageEvents { emit(action: string, id: string, attrs: Record<string, string>): void }
export interface ContainerUsage { id: string; running: boolean }
export type UsageChecker = (imageId: string) => ContainerUsage[];

export interface ImportOptions {
  repo?: string; tag?: string; changes?: string[]; message?: string; platform?: string; signal?: AbortSignal;
}

const SIZE_LABEL = 'berth.diff-size';
const CONTAINER_PREFIX = 'container-';
const EXTRACT_PREFIX = 'extract-';
/** Build layers (COPY/ADD targets, COPY --from views) are temporary: named extract-* so a restart drops leftovers. */
const BUILD_PREFIX = `${EXTRACT_PREFIX}build-`;
const DOCKER_VERSION = '';

export class ImageService {
  private readonly content: LocalContentStore;
  private readonly snapshots: OverlaySnapshotter;
  private readonly records: ImageRecordStore;
  private readonly events?: ImageEvents;
  private readonly lock = new KeyedMutex();
  private readonly configs = new Map<string, ImageConfig>();
  private usage: UsageChecker = () => [];
  /** Set when an image is deleted while containers still use its layers: their removal must then collect them. */
  private layersHeldByContainers = false;
  /** Blobs and layer snapshots a pull or load is writing before its record exists: gc keeps them (count per key). */
  private readonly leased = new Map<string, number>();

  private constructor(content: LocalContentStore, snapshots: OverlaySnapshotter, records: ImageRecordStore, events?: ImageEvents) {
    this.content = content;
    this.snapshots = snapshots;
    this.records = records;
    this.events = events;
  }

  static async open(o: { dataRoot: string; events?: ImageEvents }): Promise<ImageService> {
    const content = await LocalContentStore.open(join(o.dataRoot, 'content'));
    const snapshots = await OverlaySnapshotter.open(join(o.dataRoot, 'snapshots', 'overlay'));
    const records = await ImageRecordStore.open(join(o.dataRoot, 'images.json'));
    const s = new ImageService(content, snapshots, records, o.events);
    const stale: string[] = [];
    await snapshots.walk(async (i) => { if (i.name.startsWith(EXTRACT_PREFIX)) stale.push(i.name); });
    for (const k of stale) await snapshots.remove(k);
    await s.gc();
    return s;
  }

  /**
   * `berth system check`: every blob matches its digest (a corrupt one is removed when `repair`), every image's
   * config blob and layer snapshots are present. Returns what is wrong (and what was repaired).
   */
  async verify(o: { repair?: boolean } = {}): Promise<{ problems: string[]; repaired: string[] }> {
    const problems: string[] = [];
    const repaired: string[] = [];
    await this.content.walk(async (b) => {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(this.content.blobPath(b.digest))) hash.update(chunk as Buffer);
      if (`sha256:${hash.digest('hex')}` === b.digest) return;
      problems.push(`blob ${b.digest}: content does not match its digest`);
      if (o.repair) {
        await this.content.delete(b.digest);
        repaired.push(`removed corrupt blob ${b.digest}`);
      }
    });
    const snapshots = new Set<string>();
    await this.snapshots.walk(async (i) => { snapshots.add(i.name); });
    for (const r of this.records.all()) {
      let config: ImageConfig;
      try {
        config = await this.config(r.id);
      } catch {
        problems.push(`image ${r.id}: config blob missing`);
        continue;
      }
      for (const chain of chainIds(config.rootfs.diff_ids) as string[]) {
        if (!snapshots.has(chain)) problems.push(`image ${r.id}: layer snapshot ${chain} missing`);
      }
    }
    return { problems, repaired };
  }

  setUsageChecker(fn: UsageChecker): void {
    this.usage = fn;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run('images', fn);
  }

  private emit(action: string, id: string, name: string): void {
    this.events?.emit(action, id, { name });
  }

  // ---- import ----

  async importImage(tar: Readable, o: ImportOptions = {}): Promise<{ id: string }> {
    const ref = importReference(o.repo, o.tag);
    const containerConfig = applyChanges({}, o.changes ?? []);
    const platform = parsePlatform(o.platform);
    const key = `${EXTRACT_PREFIX}${randomBytes(8).toString('hex')}`;
    const mounts = await this.snapshots.prepare(key);
    let writer: Awaited<ReturnType<LocalContentStore['writer']>> | undefined;
    try {
      writer = await this.content.writer(key);
      const w = writer;
      const { diffId } = await applyLayer(tar, writableDir(mounts), {
        signal: o.signal, onChunk: (c) => w.write(c),
      });
      const size = w.status().offset;
      await w.commit(size, diffId);
      const usage = await this.snapshots.usage(key);
      return await this.serial(async () => {
        await this.commitLayer(key, diffId as unknown as ChainId, usage.size);
        const created = new Date().toISOString();
        const comment = o.message ?? '';
        const config: ImageConfig = {
          architecture: platform.architecture, os: platform.os, created, comment, docker_version: DOCKER_VERSION,
          config: containerConfig, rootfs: { type: 'layers', diff_ids: [diffId] },
          history: [{ created, comment }],
        };
        if (platform.variant) config.variant = platform.variant;
        const id = await this.storeImage(config, [{ mediaType: MediaType.ociLayer, digest: diffId, size }]);
        this.emit('import', id, id);
        if (ref) await this.tagLocked(id, ref);
        return { id };
      });
    } catch (err) {
      await this.snapshots.remove(key).catch(() => {});
      throw err;
    } finally {
      await writer?.[Symbol.asyncDispose]();
    }
  }

  /** Commits an unpacked layer under its chain id, or drops it when that snapshot already exists. */
  private async commitLayer(key: string, chain: ChainId, size: number): Promise<void> {
    try {
      await this.snapshots.stat(chain);
      await this.snapshots.remove(key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.snapshots.commit(chain, key, { labels: { [SIZE_LABEL]: String(size) } });
    }
  }

  /** Writes config and manifest blobs and the record (last). Returns the image ID. */
  private async storeImage(config: ImageConfig, layers: Descriptor[], extra: { parent?: string; cacheKey?: string } = {}): Promise<Digest> {
    const configBytes = Buffer.from(JSON.stringify(config));
    const id = await this.content.put(configBytes);
    const manifest: Manifest = {
      schemaVersion: 2, mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: id, size: configBytes.length }, layers,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const md = await this.content.put(manifestBytes);
    const now = new Date().toISOString();
    const old = this.records.get(id);
    this.records.set({
      id, target: { mediaType: MediaType.ociManifest, digest: md, size: manifestBytes.length },
      names: old?.names ?? [], labels: old?.labels ?? {}, createdAt: old?.createdAt ?? now, updatedAt: now,
      ...(old?.lastTagTime ? { lastTagTime: old.lastTagTime } : {}),
      ...(extra.parent ?? old?.parent ? { parent: extra.parent ?? old?.parent } : {}),
      ...(extra.cacheKey ?? old?.cacheKey ? { cacheKey: extra.cacheKey ?? old?.cacheKey } : {}),
    });
    this.configs.set(id, config);
    await this.records.save();
    return id;
  }

  // ---- lookup ----

  private async config(id: string): Promise<ImageConfig> {
    let c = this.configs.get(id);
    if (!c) {
      c = JSON.parse((await this.content.readBlob(id as Digest)).toString()) as ImageConfig;
      this.configs.set(id, c);
    }
    return c;
  }

  /** Docker's GetImage: full ID, reference, then unique ID prefix. */
  private find(ref: string): ImageRecord {
    const notFoundErr = (shown: string) => notFound(`No such image: ${shown}`);
    if (isDigest(ref) || isFullHexId(ref)) {
      const id = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
      const r = this.records.get(id);
      if (!r) throw notFoundErr(ref);
      return r;
    }
    let parsed: Reference | undefined;
    try {
      parsed = parseReference(ref);
    } catch (err) {
      if (!/^(sha256:)?[a-f0-9]+$/.test(ref)) throw err;
    }
    if (parsed) {
      const id = this.records.idForName(referenceString(withDefaultTag(parsed)));
      if (id) return this.records.get(id)!;
    }
    const m = /^(?:sha256:)?([a-f0-9]+)$/.exec(ref);
    if (m) {
      const hits = this.records.all().filter((r) => r.id.slice(7).startsWith(m[1]));
      if (hits.length === 1) return hits[0];
    }
    throw notFoundErr(parsed ? familiarString(withDefaultTag(parsed)) : ref);
  }

  async resolve(ref: string): Promise<{ id: string; config: ImageConfig; chainId: string }> {
    const r = this.find(ref);
    const config = await this.config(r.id);
    return { id: r.id, config, chainId: chainIds(config.rootfs.diff_ids).at(-1)! };
  }

  // ---- list / inspect / history ----

  private async imageSize(config: ImageConfig): Promise<number> {
    let total = 0;
    for (const c of chainIds(config.rootfs.diff_ids)) total += await this.layerSize(c);
    return total;
  }

  /** How many images each layer (chain id) belongs to. */
  private async chainUsers(): Promise<Map<string, number>> {
    const users = new Map<string, number>();
    for (const r of this.records.all()) {
      for (const c of chainIds((await this.config(r.id)).rootfs.diff_ids)) users.set(c, (users.get(c) ?? 0) + 1);
    }
    return users;
  }

  private async sharedSize(config: ImageConfig, chainUsers: Map<string, number>): Promise<number> {
    let shared = 0;
    for (const c of chainIds(config.rootfs.diff_ids)) if ((chainUsers.get(c) ?? 0) > 1) shared += await this.layerSize(c);
    return shared;
  }

  private async layerSize(chain: string): Promise<number> {
    try {
      return Number((await this.snapshots.stat(chain)).labels[SIZE_LABEL] ?? 0);
    } catch {
      return 0;
    }
  }

  private tagsOf(r: ImageRecord): { tags: string[]; digests: string[] } {
    const tags: string[] = [];
    const digests: string[] = [];
    for (const n of r.names) {
      const p = parseReference(n);
      if (p.digest) digests.push(familiarString(p));
      else tags.push(familiarString(p));
    }
    return { tags, digests };
  }

  /** `sharedSize`: fill SharedSize (bytes in layers that other images use too), as for `system df`; else -1. */
  async list(o: { all?: boolean; filters?: Map<string, string[]>; digests?: boolean; sharedSize?: boolean } = {}): Promise<ImageSummary[]> {
    const filters = o.filters ?? new Map<string, string[]>();
    const createdOf = async (ref: string) => Date.parse((await this.config(this.find(ref).id)).created ?? '');
    const before = filters.get('before')?.[0];
    const since = filters.get('since')?.[0];
    const match = imageFilter(filters, {
      before: before === undefined ? undefined : await createdOf(before),
      since: since === undefined ? undefined : await createdOf(since),
    });
    const refMatch = referenceMatcher(filters);
    const out: ImageSummary[] = [];
    const parents = new Set(this.records.all().map((r) => r.parent).filter(Boolean));
    const chainUsers = o.sharedSize ? await this.chainUsers() : undefined;
    for (const r of this.records.all()) {
      // As dockerd: untagged intermediate images (parents of other images) are shown only with --all.
      if (!o.all && r.names.length === 0 && parents.has(r.id)) continue;
      const config = await this.config(r.id);
      // As dockerd: with a reference filter, only the matching names are shown.
      const shown = refMatch ? { ...r, names: r.names.filter((n) => refMatch(parseReference(n))) } : r;
      const { tags, digests } = this.tagsOf(shown);
      const labels = config.config?.Labels ?? {};
      const created = config.created ?? r.createdAt;
      if (!match({ id: r.id, names: r.names.map((n) => parseReference(n)), labels, created })) continue;
      out.push({
        Containers: this.usage(r.id).length,
        Created: Math.floor(Date.parse(created) / 1000),
        Id: r.id,
        Labels: labels,
        ParentId: r.parent ?? '',
        RepoDigests: digests,
        RepoTags: tags,
        SharedSize: chainUsers ? await this.sharedSize(config, chainUsers) : -1,
        Size: await this.imageSize(config),
      });
    }
    return out.sort((a, b) => b.Created - a.Created);
  }

  async inspect(ref: string): Promise<ImageInspect> {
    const r = this.find(ref);
    const c = await this.config(r.id);
    const { tags, digests } = this.tagsOf(r);
    const cc = c.config ?? {};
    const out: ImageInspect = {
      Id: r.id,
      RepoTags: tags,
      RepoDigests: digests,
      Parent: r.parent ?? '',
      Comment: c.comment ?? '',
      Created: c.created ?? r.createdAt,
      DockerVersion: c.docker_version ?? '',
      Author: c.author ?? '',
      Config: {
        ...cc,
        User: cc.User ?? '', Env: cc.Env ?? null, Cmd: cc.Cmd ?? null, WorkingDir: cc.WorkingDir ?? '',
        Entrypoint: cc.Entrypoint ?? null, OnBuild: cc.OnBuild ?? null, Labels: cc.Labels ?? null, Volumes: cc.Volumes ?? null,
      },
      Architecture: c.architecture,
      Os: c.os,
      Size: await this.imageSize(c),
      GraphDriver: { Name: 'overlay2', Data: await this.graphDriverData(c) },
      RootFS: { Type: 'layers', Layers: [...c.rootfs.diff_ids] },
      Metadata: r.lastTagTime ? { LastTagTime: r.lastTagTime } : {},
    };
    if (c.variant) out.Variant = c.variant;
    return out;
  }

  /** overlay2-style GraphDriver data: the top layer's directory and those below it. */
  private async graphDriverData(c: ImageConfig): Promise<Record<string, string> | null> {
    const chain = chainIds(c.rootfs.diff_ids).at(-1);
    if (!chain) return null;
    try {
      const m = (await this.snapshots.mounts(chain))[0];
      const opt = (k: string) => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
      const data: Record<string, string> = { MergedDir: '', UpperDir: opt('upperdir') ?? m.source, WorkDir: opt('workdir') ?? '' };
      const lower = opt('lowerdir');
      if (lower) data.LowerDir = lower;
      return data;
    } catch {
      return null;
    }
  }

  async history(ref: string): Promise<HistoryResponseItem[]> {
    const r = this.find(ref);
    const c = await this.config(r.id);
    const chains = chainIds(c.rootfs.diff_ids);
    const items: HistoryResponseItem[] = [];
    let layer = 0;
    for (const h of c.history ?? []) {
      let size = 0;
      if (!h.empty_layer && layer < chains.length) size = await this.layerSize(chains[layer++]);
      items.push({
        Id: '<missing>', Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
        CreatedBy: h.created_by ?? '', Tags: null, Size: size, Comment: h.comment ?? '',
      });
    }
    // Images on the parent chain (build steps) own the history entries up to their own length.
    for (let p: ImageRecord | undefined = r; p; p = p.parent ? this.records.get(p.parent) : undefined) {
      const n = (await this.config(p.id)).history?.length ?? 0;
      if (n > 0 && n <= items.length && items[n - 1].Id === '<missing>') {
        items[n - 1].Id = p.id;
        items[n - 1].Tags = p === r ? this.tagsOf(r).tags : (this.tagsOf(p).tags.length ? this.tagsOf(p).tags : null);
      }
    }
    items.reverse();
    if (items.length) {
      items[0].Id = r.id;
      items[0].Tags = this.tagsOf(r).tags;
    }
    return items;
  }

  // ---- tag / remove / prune ----

  async tag(source: string, repo: string, tag?: string): Promise<void> {
    const ref = tagReference(repo, tag);
    await this.serial(async () => this.tagLocked(this.find(source).id, ref));
  }

  /** Points ref at image id, taking it from any image that had it. */
  private async tagLocked(id: string, ref: Reference): Promise<void> {
    const name = referenceString(ref);
    const prev = this.records.idForName(name);
    const now = new Date().toISOString();
    if (prev && prev !== id) {
      const p = this.records.get(prev)!;
      this.records.set({ ...p, names: p.names.filter((n) => n !== name), updatedAt: now });
    }
    const r = this.records.get(id)!;
    if (!r.names.includes(name)) this.records.set({ ...r, names: [...r.names, name], updatedAt: now, lastTagTime: now });
    await this.records.save();
    this.emit('tag', id, familiarString(ref));
  }

  async remove(ref: string, o: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    return this.serial(async () => {
      const r = this.find(ref);
      const id = r.id;
      const out: ImageDeleteResponseItem[] = [];
      const users = this.usage(id);
      const refs = r.names.map((n) => parseReference(n));
      const byId = isIdPrefix(id, ref);
      let quiet = false;
      if (!byId) {
        const parsed = withDefaultTag(parseReference(ref));
        if (!o.force && isSingleReference(refs) && users.length > 0) {
          throw conflict(`conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(users[0].id)} is using its referenced image ${shortId(id)}`);
        }
        this.untag(id, referenceString(parsed), out);
        let remaining = this.records.get(id)!.names.map((n) => parseReference(n));
        if (!parsed.digest && !remaining.some((x) => !x.digest && repoKey(x) === repoKey(parsed))) {
          for (const d of remaining.filter((x) => x.digest && repoKey(x) === repoKey(parsed))) this.untag(id, referenceString(d), out);
          remaining = this.records.get(id)!.names.map((n) => parseReference(n));
        }
        if (remaining.length > 0) {
          await this.records.save();
          return out;
        }
        quiet = true;
      } else if (isSingleReference(refs)) {
        const c = this.deleteConflict(id, { soft: !o.force, refs: false });
        if (c) throw c;
        for (const n of [...r.names]) this.untag(id, n, out);
      }
      const c = this.deleteConflict(id, { soft: !o.force, refs: true });
      if (c) {
        await this.records.save();
        if (quiet && this.usage(id).length > 0) return out;
        throw c;
      }
      if (this.hasChildren(id)) {
        // As dockerd: an image other images were built on stays (untagged) until its children go.
        await this.records.save();
        if (quiet) return out;
        throw conflict(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`);
      }
      const parent = r.parent;
      for (const n of [...this.records.get(id)!.names]) this.untag(id, n, out);
      await this.deleteImageLocked(id, out);
      if (!o.noprune) await this.pruneParentsLocked(parent, out);
      return out;
    });
  }

  private untag(id: string, name: string, out: ImageDeleteResponseItem[]): void {
    const r = this.records.get(id)!;
    if (!r.names.includes(name)) return;
    this.records.set({ ...r, names: r.names.filter((n) => n !== name), updatedAt: new Date().toISOString() });
    out.push({ Untagged: familiarString(parseReference(name)) });
    this.emit('untag', id, id);
  }

  /** Docker's checkImageDeleteConflict (the dependent-child check is in remove). */
  private deleteConflict(id: string, o: { soft: boolean; refs: boolean }): Error | undefined {
    const msg = (hard: boolean, m: string) => conflict(`conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${m}`);
    const users = this.usage(id);
    const running = users.find((u) => u.running);
    if (running) return msg(true, `image is being used by running container ${shortId(running.id)}`);
    if (o.soft && o.refs && (this.records.get(id)?.names.length ?? 0) > 0) return msg(false, 'image is referenced in multiple repositories');
    const stopped = users.find((u) => !u.running);
    if (o.soft && stopped) return msg(false, `image is being used by stopped container ${shortId(stopped.id)}`);
    return undefined;
  }

  private hasChildren(id: string): boolean {
    return this.records.all().some((r) => r.parent === id);
  }

  /** Deletes the untagged, unused, childless images up a deleted image's parent chain (build steps). */
  private async pruneParentsLocked(parent: string | undefined, out: ImageDeleteResponseItem[]): Promise<number> {
    let reclaimed = 0;
    for (let p = parent ? this.records.get(parent) : undefined; p; ) {
      if (p.names.length > 0 || this.usage(p.id).length > 0 || this.hasChildren(p.id)) break;
      const next = p.parent ? this.records.get(p.parent) : undefined;
      reclaimed += await this.deleteImageLocked(p.id, out);
      p = next;
    }
    return reclaimed;
  }

  private async deleteImageLocked(id: string, out: ImageDeleteResponseItem[]): Promise<number> {
    const config = await this.config(id);
    if (this.usage(id).length > 0) this.layersHeldByContainers = true;
    this.records.delete(id);
    await this.records.save();
    this.configs.delete(id);
    this.emit('delete', id, id);
    out.push({ Deleted: id });
    const before = new Set(chainIds(config.rootfs.diff_ids) as string[]);
    const removed = await this.gcLocked();
    let reclaimed = 0;
    for (const rm of removed) {
      if (!before.has(rm.chain)) continue;
      out.push({ Deleted: rm.chain });
      reclaimed += rm.size;
    }
    return reclaimed;
  }

  async prune(o: { all?: boolean; filters?: Map<string, string[]> } = {}): Promise<ImagePruneReport> {
    const filters = o.filters ?? new Map<string, string[]>();
    for (const k of filters.keys()) if (!['dangling', 'label', 'label!', 'until'].includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    const dangling = filters.get('dangling')?.[0];
    const all = o.all || dangling === 'false' || dangling === '0';
    const until = filters.get('until')?.map(parseUntil);
    return this.serial(async () => {
      const deleted: ImageDeleteResponseItem[] = [];
      const { reclaimed } = await this.deleteUnusedLeavesLocked(async (r) => {
        if (!all && r.names.length > 0) return false;
        const c = await this.config(r.id);
        const created = Date.parse(c.created ?? r.createdAt);
        if (until && until.some((u) => created >= u)) return false;
        return labelsMatch(c.config?.Labels ?? {}, filters);
      }, deleted);
      return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
    });
  }

  /**
   * Deletes the images `pick` selects that no container uses, leaves first: an image with children (a build step
   * under another image) goes once they are gone. Tags are removed first. Returns the deleted IDs.
   */
  private async deleteUnusedLeavesLocked(pick: (r: ImageRecord) => Promise<boolean>, out: ImageDeleteResponseItem[]): Promise<{ ids: string[]; reclaimed: number }> {
    const ids: string[] = [];
    let reclaimed = 0;
    for (let progress = true; progress; ) {
      progress = false;
      for (const r of this.records.all()) {
        if (this.usage(r.id).length > 0 || this.hasChildren(r.id) || !(await pick(r))) continue;
        for (const n of [...r.names]) this.untag(r.id, n, out);
        reclaimed += await this.deleteImageLocked(r.id, out);
        ids.push(r.id);
        progress = true;
      }
    }
    return { ids, reclaimed };
  }

  /**
   * The classic builder's cache: images made by build steps that no tag names, i.e. the intermediate images under
   * built images and the leftovers of earlier builds. Size counts the layers no tagged image shares.
   */
  async buildCache(): Promise<BuildCacheEntry[]> {
    const taggedChains = new Set<string>();
    for (const r of this.records.all()) {
      if (r.names.length > 0) for (const c of chainIds((await this.config(r.id)).rootfs.diff_ids)) taggedChains.add(c);
    }
    const out: BuildCacheEntry[] = [];
    for (const r of this.records.all()) {
      if (!r.cacheKey || r.names.length > 0) continue;
      const c = await this.config(r.id);
      const chain = chainIds(c.rootfs.diff_ids).at(-1);
      const last = c.history?.at(-1);
      out.push({
        id: r.id, description: last?.created_by ?? '', createdAt: c.created ?? r.createdAt,
        size: chain && !taggedChains.has(chain) && !last?.empty_layer ? await this.layerSize(chain) : 0,
        inUse: this.usage(r.id).length > 0, shared: this.hasChildren(r.id) || (chain !== undefined && taggedChains.has(chain)),
      });
    }
    return out;
  }

  /**
   * `builder prune`: deletes build-step images no tag or container needs (leaves first). With `all`, the
   * intermediate images under tagged ones go too: their children lose the parent link and cache key, so the
   * next build runs every step again.
   */
  async pruneBuildCache(o: { all?: boolean; keep?: (createdAt: string) => boolean } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.serial(async () => {
      const eligible = async (r: ImageRecord) => {
        if (!r.cacheKey || r.names.length > 0 || this.usage(r.id).length > 0) return false;
        return !o.keep?.((await this.config(r.id)).created ?? r.createdAt);
      };
      const leaves = await this.deleteUnusedLeavesLocked(eligible, []);
      const deleted = leaves.ids;
      let reclaimed = leaves.reclaimed;
      if (o.all) {
        for (const r of this.records.all()) {
          if (!(await eligible(r))) continue;
          for (const child of this.records.all().filter((x) => x.parent === r.id)) {
            const { parent: _p, cacheKey: _k, ...rest } = child;
            this.records.set(rest);
          }
          reclaimed += await this.deleteImageLocked(r.id, []);
          deleted.push(r.id);
        }
      }
      return { deleted, reclaimed };
    });
  }

  /** Removes committed snapshots and blobs that no image or container layer needs. */
  private gc(): Promise<{ chain: string; size: number }[]> {
    return this.serial(() => this.gcLocked());
  }

  private async gcLocked(): Promise<{ chain: string; size: number }[]> {
    const keepChains = new Set<string>();
    const keepBlobs = new Set<string>();
    for (const k of this.leased.keys()) { keepChains.add(k); keepBlobs.add(k); }
    for (const r of this.records.all()) {
      keepBlobs.add(r.target.digest);
      keepBlobs.add(r.id);
      try {
        const m = JSON.parse((await this.content.readBlob(r.target.digest)).toString()) as Manifest;
        for (const l of m.layers) keepBlobs.add(l.digest);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      for (const c of chainIds((await this.config(r.id)).rootfs.diff_ids)) keepChains.add(c);
    }
    const infos = new Map<string, { parent?: string; kind: string; size: number }>();
    await this.snapshots.walk(async (i) => { infos.set(i.name, { parent: i.parent, kind: i.kind, size: Number(i.labels[SIZE_LABEL] ?? 0) }); });
    for (const [name, i] of infos) {
      if (i.kind === SnapshotKind.committed) continue;
      keepChains.add(name);
      for (let p = i.parent; p !== undefined; p = infos.get(p)?.parent) keepChains.add(p);
    }
    const depth = (n: string) => { let d = 0; for (let p = infos.get(n)?.parent; p; p = infos.get(p)?.parent) d++; return d; };
    const doomed = [...infos.keys()].filter((n) => !keepChains.has(n)).sort((a, b) => depth(b) - depth(a));
    const removed: { chain: string; size: number }[] = [];
    for (const n of doomed) {
      await this.snapshots.remove(n);
      removed.push({ chain: n, size: infos.get(n)!.size });
    }
    const blobs: Digest[] = [];
    await this.content.walk(async (b) => { if (!keepBlobs.has(b.digest)) blobs.push(b.digest); });
    for (const d of blobs) await this.content.delete(d).catch(() => {});
    return removed;
  }

  // ---- commit and build ----

  /** `docker commit` and the builder's RUN steps: the container layer's changes as a new image on its parent. */
  commitContainer(containerId: string, o: CommitOptions): Promise<{ id: string }> {
    return this.commitSnapshot(CONTAINER_PREFIX + containerId, o);
  }

  /** A config-only step (ENV, CMD...): the parent's layers with a new config and one more history entry. */
  createImage(o: Omit<CommitOptions, 'takeLayer'>): Promise<{ id: string }> {
    return this.commitSnapshot(undefined, o);
  }

  /** A writable build layer on an image (or empty for scratch): the target of COPY/ADD/WORKDIR. Returns its key. */
  async createBuildLayer(parentImageId: string | undefined): Promise<string> {
    const key = `${BUILD_PREFIX}${randomBytes(8).toString('hex')}`;
    const parent = parentImageId ? (await this.resolve(parentImageId)).chainId : undefined;
    await this.snapshots.prepare(key, parent);
    return key;
  }

  /** A read-only view of an image's filesystem (COPY --from=image). Returns its key; release with removeBuildLayer. */
  async createImageView(imageId: string): Promise<string | undefined> {
    const { chainId } = await this.resolve(imageId);
    if (!chainId) return undefined;
    const key = `${BUILD_PREFIX}${randomBytes(8).toString('hex')}`;
    await this.snapshots.view(key, chainId);
    return key;
  }

  async mountBuildLayer(key: string, target: string): Promise<void> {
    if (!key.startsWith(BUILD_PREFIX)) throw invalidArgument(`not a build layer: ${key}`);
    await mountAll(await this.snapshots.mounts(key), target);
  }

  async unmountBuildLayer(target: string): Promise<void> {
    await unmountAll(target);
  }

  async removeBuildLayer(key: string): Promise<void> {
    if (!key.startsWith(BUILD_PREFIX)) throw invalidArgument(`not a build layer: ${key}`);
    await this.snapshots.remove(key).catch((err: unknown) => { if (!isNotFound(err)) throw err; });
  }

  /** Commits an unmounted build layer as a new image; the layer is consumed. */
  commitBuildLayer(key: string, o: Omit<CommitOptions, 'takeLayer'>): Promise<{ id: string }> {
    if (!key.startsWith(BUILD_PREFIX)) throw invalidArgument(`not a build layer: ${key}`);
    return this.commitSnapshot(key, { ...o, takeLayer: true });
  }

  /**
   * `--cache-from`: the image a build step on `parentId` would have made, rebuilt from the first `index + 1`
   * history entries of `sourceId` (moby's restoreCachedImage): the source's layers up to that step, the step's
   * config, recorded under `cacheKey` so the next build finds it locally. The source itself when it is that step.
   */
  async imageFromCacheSource(o: { sourceId: string; parentId?: string; index: number; config: ContainerConfigPart; cacheKey: string }): Promise<string> {
    const source = await this.resolve(o.sourceId);
    const history = (source.config.history ?? []).slice(0, o.index + 1);
    const layerCount = history.filter((h) => !h.empty_layer).length;
    if (o.index + 1 === source.config.history?.length) {
      return this.serial(async () => {
        const r = this.records.get(source.id);
        if (r && !r.parent && !r.cacheKey) {
          this.records.set({ ...r, ...(o.parentId ? { parent: o.parentId } : {}), cacheKey: o.cacheKey });
          await this.records.save();
        }
        return source.id;
      });
    }
    const layers = (await this.layersOf(source.id)).slice(0, layerCount);
    const config: ImageConfig = {
      architecture: source.config.architecture, os: source.config.os, created: history.at(-1)?.created,
      docker_version: DOCKER_VERSION, config: o.config,
      rootfs: { type: 'layers', diff_ids: source.config.rootfs.diff_ids.slice(0, layerCount) }, history,
    };
    if (source.config.author) config.author = source.config.author;
    return this.serial(() => this.storeImage(config, layers, { parent: o.parentId, cacheKey: o.cacheKey }));
  }

  /** The classic builder's cache: a child of `parentId` (undefined = scratch) made by the step with `cacheKey`. */
  findCacheChild(parentId: string | undefined, cacheKey: string): string | undefined {
    let best: ImageRecord | undefined;
    for (const r of this.records.all()) {
      if ((r.parent ?? '') !== (parentId ?? '') || r.cacheKey !== cacheKey) continue;
      if (!best || r.createdAt > best.createdAt) best = r;
    }
    return best?.id;
  }

  private async layersOf(imageId: string): Promise<Descriptor[]> {
    const r = this.records.get(imageId);
    if (!r) throw notFound(`No such image: ${imageId}`);
    return [...(JSON.parse((await this.content.readBlob(r.target.digest)).toString()) as Manifest).layers];
  }

  private async commitSnapshot(key: string | undefined, o: CommitOptions): Promise<{ id: string }> {
    const parent = o.parentImageId ? await this.resolve(o.parentImageId) : undefined;
    const diffIds: Digest[] = parent ? [...parent.config.rootfs.diff_ids] : [];
    const layers = parent ? await this.layersOf(parent.id) : [];
    let layer: Descriptor | undefined;
    let upper: string | undefined;
    if (key !== undefined) {
      const m = (await this.snapshots.mounts(key))[0];
      upper = m.type === 'bind' ? m.source : m.options.find((x) => x.startsWith('upperdir='))!.slice('upperdir='.length);
      const skip = key.startsWith(CONTAINER_PREFIX) ? CONTAINER_MOUNT_TARGETS : undefined;
      if (!(await upperIsEmpty(upper, { skip }))) {
        const ref = `commit-${key}-${randomBytes(4).toString('hex')}`;
        await using w = await this.content.writer(ref);
        const hash = createHash('sha256');
        for await (const chunk of upperTar(upper, { skip, signal: o.signal })) {
          hash.update(chunk as Buffer);
          await w.write(chunk as Buffer);
        }
        const digest = `sha256:${hash.digest('hex')}` as Digest;
        const size = w.status().offset;
        await w.commit(size, digest);
        layer = { mediaType: MediaType.ociLayer, digest, size };
        // The snapshot becomes the layer: it must hold what the tar holds.
        if (o.takeLayer && skip) await removeSkipped(upper, skip);
      }
    }
    let unpacked: string | undefined;
    if (layer && !o.takeLayer) {
      // The container lives on: unpack the stored tar into a snapshot of its own.
      unpacked = `${EXTRACT_PREFIX}${randomBytes(8).toString('hex')}`;
      const mounts = await this.snapshots.prepare(unpacked, parent?.chainId);
      try {
        await applyLayer(await this.content.reader(layer.digest), writableDir(mounts), { signal: o.signal });
      } catch (err) {
        await this.snapshots.remove(unpacked).catch(() => {});
        throw err;
      }
    }
    return this.serial(async () => {
      if (layer) {
        diffIds.push(layer.digest);
        layers.push(layer);
        const chain = chainIds(diffIds).at(-1)!;
        const from = unpacked ?? key!;
        await this.commitLayer(from, chain, (await this.snapshots.usage(from)).size);
      } else if (key !== undefined && o.takeLayer) {
        await this.snapshots.remove(key);
      }
      const created = new Date().toISOString();
      const host = parsePlatform();
      const h: HistoryEntry = { created };
      if (o.history.created_by) h.created_by = o.history.created_by;
      if (o.history.author) h.author = o.history.author;
      if (o.history.comment) h.comment = o.history.comment;
      if (!layer) h.empty_layer = true;
      const config: ImageConfig = {
        architecture: parent?.config.architecture ?? host.architecture, os: parent?.config.os ?? host.os, created,
        docker_version: DOCKER_VERSION, config: o.config, rootfs: { type: 'layers', diff_ids: diffIds },
        history: [...(parent?.config.history ?? []), ...(o.historyBetween ?? []), h],
      };
      if (parent?.config.variant) config.variant = parent.config.variant;
      if (o.author) config.author = o.author;
      if (o.comment) config.comment = o.comment;
      const id = await this.storeImage(config, layers, { parent: parent?.id, cacheKey: o.cacheKey });
      return { id };
    });
  }

  // ---- distribution: pull, load, save, push (src/image/{pull,load,save,push}.ts) ----

  /** The content store: distribution code writes blobs through its ingest/commit and reads them back. */
  get contentStore(): LocalContentStore {
    return this.content;
  }

  /** Keeps the blobs and layer snapshots named by `keys` from gc while fn runs (a pull before its record exists). */
  async withLease<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    const ks = [...keys];
    for (const k of ks) this.leased.set(k, (this.leased.get(k) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      for (const k of ks) {
        const n = (this.leased.get(k) ?? 1) - 1;
        if (n <= 0) this.leased.delete(k);
        else this.leased.set(k, n);
      }
    }
  }

  async hasBlob(d: Digest): Promise<boolean> {
    return this.content.info(d).then(() => true, (err: unknown) => { if (isNotFound(err)) return false; throw err; });
  }

  async hasLayer(chain: ChainId): Promise<boolean> {
    return this.snapshots.stat(chain).then(() => true, (err: unknown) => { if (isNotFound(err)) return false; throw err; });
  }

  /**
   * Unpacks a stored layer blob (plain, gzip or zstd) on top of `parent` and commits it under `chain`. The
   * uncompressed stream must hash to `diffId`, or nothing is kept.
   */
  async unpackLayer(blob: Digest, o: { parent?: ChainId; chain: ChainId; diffId: Digest; signal?: AbortSignal; onProgress?: (bytes: number) => void }): Promise<void> {
    const key = `${EXTRACT_PREFIX}${randomBytes(8).toString('hex')}`;
    const mounts = await this.snapshots.prepare(key, o.parent);
    try {
      const input = await this.content.reader(blob);
      let n = 0;
      if (o.onProgress) input.on('data', (c: Buffer) => { n += c.length; o.onProgress!(n); });
      const { diffId } = await applyLayer(input, writableDir(mounts), { signal: o.signal });
      if (diffId !== o.diffId) throw invalidArgument(`layer ${blob}: diff id ${diffId} does not match the config's ${o.diffId}`);
      const usage = await this.snapshots.usage(key);
      await this.serial(() => this.commitLayer(key, o.chain, usage.size));
    } catch (err) {
      await this.snapshots.remove(key).catch(() => {});
      throw err;
    }
  }

  /**
   * Stores a layer blob and unpacks it in one pass as its bytes arrive (a pull: download, digest, decompress and
   * untar overlap). The blob is committed only when its size and digest match `blob`, and the snapshot only when
   * the uncompressed stream hashes to `diffId`; on any failure neither the ingest file nor the snapshot remains.
   * `onBytes` sees the count of compressed bytes received.
   */
  async storeAndUnpackLayer(input: Readable, blob: Descriptor, o: { parent?: ChainId; chain: ChainId; diffId: Digest; signal?: AbortSignal; onBytes?: (bytes: number) => void }): Promise<void> {
    const key = `${EXTRACT_PREFIX}${randomBytes(8).toString('hex')}`;
    await using w = await this.content.writer(`pull-${blob.digest}-${key}`);
    const mounts = await this.snapshots.prepare(key, o.parent).catch((err: unknown) => { input.destroy(); throw err; });
    const tee = blobTee(input, blob, w, o.onBytes);
    // The blob is verified and committed as soon as its last byte is written, while the unpacker finishes.
    const blobCommitted = tee.done.then(() => w.commit(blob.size, blob.digest));
    blobCommitted.catch(() => {}); // awaited below
    try {
      let diffId: Digest;
      try {
        ({ diffId } = await applyLayer(tee.stream, writableDir(mounts), { signal: o.signal }));
      } catch (err) {
        if (o.signal?.aborted || tee.failed) throw err;
        // A layer that does not unpack: if its bytes are not the blob the manifest names, that is the error.
        await blobCommitted;
        throw err;
      }
      await blobCommitted;
      if (diffId !== o.diffId) throw invalidArgument(`layer ${blob.digest}: diff id ${diffId} does not match the config's ${o.diffId}`);
      const usage = await this.snapshots.usage(key);
      await this.serial(() => this.commitLayer(key, o.chain, usage.size));
    } catch (err) {
      tee.abort();
      await blobCommitted.catch(() => {}); // settled before the writer is disposed
      await this.snapshots.remove(key).catch(() => {});
      throw err;
    }
  }

  /**
   * Records an image whose manifest, config and layer blobs are stored and whose layers are unpacked (the image
   * ID is the stored config's digest, so its bytes are kept exactly), then points `refs` at it. Returns the ID and
   * the IDs `refs` named before.
   */
  async registerImage(target: Descriptor, refs: Reference[]): Promise<{ id: Digest; previous: (string | undefined)[] }> {
    const manifest = JSON.parse((await this.content.readBlob(target.digest)).toString()) as Manifest;
    const id = manifest.config.digest;
    const config = await this.config(id);
    for (const c of chainIds(config.rootfs.diff_ids)) if (!(await this.hasLayer(c))) throw invalidArgument(`layer ${c} of ${id} is not unpacked`);
    return this.serial(async () => {
      const now = new Date().toISOString();
      const old = this.records.get(id);
      this.records.set({
        ...(old ?? { names: [], labels: {}, createdAt: now }), id, target: { mediaType: target.mediaType, digest: target.digest, size: target.size }, updatedAt: now,
      });
      await this.records.save();
      const previous = refs.map((r) => this.records.idForName(referenceString(r)));
      for (const r of refs) await this.tagLocked(id, r);
      return { id, previous };
    });
  }

  /** An image's record (ID, manifest descriptor, fully qualified names) for save and push. */
  imageRecord(ref: string): ImageRecord {
    return this.find(ref);
  }

  // ---- container layers ----

  async createContainerLayer(imageId: string, containerId: string): Promise<void> {
    const { chainId } = await this.resolve(imageId);
    await this.snapshots.prepare(CONTAINER_PREFIX + containerId, chainId, { labels: { 'berth.image': imageId } });
  }

  async mountContainerLayer(containerId: string, target: string): Promise<void> {
    await mountAll(await this.snapshots.mounts(CONTAINER_PREFIX + containerId), target);
  }

  async unmountContainerLayer(_containerId: string, target: string): Promise<void> {
    await unmountAll(target);
  }

  async removeContainerLayer(containerId: string): Promise<void> {
    try {
      await this.snapshots.remove(CONTAINER_PREFIX + containerId);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return;
    }
    // Only when an image was force-deleted under a container can this removal free image layers.
    if (this.layersHeldByContainers) await this.gc();
  }

  /** The container layer's overlay directories (for `docker diff`): its upper dir and the lower dirs, top first. */
  async containerLayerMounts(containerId: string): Promise<{ upper: string; lowers: string[] }> {
    const m = (await this.snapshots.mounts(CONTAINER_PREFIX + containerId))[0];
    if (!m) throw notFound(`no layer for container ${containerId}`);
    if (m.type === 'bind') return { upper: m.source, lowers: [] };
    const opt = (k: string) => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
    return { upper: opt('upperdir') ?? '', lowers: (opt('lowerdir') ?? '').split(':').filter(Boolean) };
  }

  async containerLayerSize(containerId: string): Promise<number> {
    return (await this.snapshots.usage(CONTAINER_PREFIX + containerId)).size;
  }

  /** Total size of all image layers (for system df). */
  async layersSize(): Promise<number> {
    let total = 0;
    await this.snapshots.walk(async (i) => { if (i.kind === SnapshotKind.committed) total += Number(i.labels[SIZE_LABEL] ?? 0); });
    return total;
  }
}

function repoKey(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** moby isSingleReference: all references in one repository and at most one tag. */
function isSingleReference(refs: Reference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tagged = refs.filter((r) => !r.digest);
  if (tagged.length > 1) return false;
  const canonical = new Set(refs.filter((r) => r.digest).map(repoKey));
  const single = tagged[0] ?? refs[0];
  return canonical.size === 1 && canonical.has(repoKey(single));
}

function isIdPrefix(id: string, s: string): boolean {
  return id.startsWith(s) || id.slice(7).startsWith(s);
}

/** httputils.RepoTagReference: repo and tag of an import; undefined when no repo. */
function importReference(repo?: string, tag?: string): Reference | undefined {
  if (!repo) return undefined;
  const r = parseReference(repo);
  if (r.digest) throw invalidArgument('cannot import digest reference');
  return tagReference(repo, tag);
}

function tagReference(repo: string, tag?: string): Reference {
  const r = parseReference(repo);
  if (r.digest) throw invalidArgument('refusing to create a tag with a digest reference');
  if (tag) {
    if (!isValidTag(tag)) throw invalidArgument('invalid tag format');
    return { domain: r.domain, path: r.path, tag };
  }
  return withDefaultTag(r);
}

const ARCH: Record<string, string> = { x64: 'amd64', x86_64: 'amd64', arm64: 'arm64', aarch64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };
const OSES = new Set(['linux', 'windows', 'darwin', 'freebsd']);

/** containerd platforms.Parse, simplified: os[/arch[/variant]] or arch; defaults to the host. */
export function parsePlatform(p?: string): { os: string; architecture: string; variant?: string } {
  const host = { os: 'linux', architecture: ARCH[hostArch()] ?? hostArch() };
  if (!p) return host;
  const parts = p.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((x) => !/^[a-z0-9_.-]+$/.test(x))) throw invalidArgument(`"${p}": unknown operating system or architecture: invalid argument`);
  if (parts.length === 1) return OSES.has(parts[0]) ? { ...host, os: parts[0] } : { os: 'linux', architecture: ARCH[parts[0]] ?? parts[0] };
  const out: { os: string; architecture: string; variant?: string } = { os: parts[0], architecture: ARCH[parts[1]] ?? parts[1] };
  if (parts[2]) out.variant = parts[2];
  return out;
}

