/**
 * Mark-and-sweep garbage collection of blobs (distribution registry/storage/garbagecollect.go): mark every
 * manifest revision of every repository and the config and layers it names, then delete every blob in /v1/blobs
 * that is unmarked. With `deleteUntagged`, manifests no tag reaches (directly or through an index) are removed
 * from their repository first. Run it while the server is stopped or read-only: a blob uploaded but not yet named
 * by a manifest is unreferenced and would be collected. Uploads started more than `uploadMaxAgeMs` ago (7 days
 * by default, as distribution's upload purging) are deleted too.
 */
import { isNotFound } from '../../lib/index.ts';
import { layout } from './layout.ts';
import { ManifestStore } from './manifest-store.ts';
import { BlobStore } from './blob-store.ts';
import type { Op, StorageDriver } from './storage-driver.ts';
import { childNames, deleteIfExists, readLink } from './store-util.ts';

export interface GcResult {
  marked: number;
  purgedUploads: { repository: string; id: string }[];
  deletedBlobs: string[];
  freedBytes: number;
  deletedManifests: { repository: string; digest: string }[];
}

interface Referencing {
  config?: { digest?: string };
  layers?: { digest?: string }[];
  manifests?: { digest?: string }[];
}

export const DEFAULT_UPLOAD_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export async function garbageCollect(driver: StorageDriver, o: Op & { dryRun?: boolean; deleteUntagged?: boolean; uploadMaxAgeMs?: number; now?: Date } = {}): Promise<GcResult> {
  const blobs = new BlobStore(driver);
  const manifests = new ManifestStore(driver, blobs);
  const marked = new Set<string>();
  const deletedManifests: GcResult['deletedManifests'] = [];
  const parse = async (digest: string): Promise<Referencing | undefined> => {
    try {
      return JSON.parse(Buffer.from(await blobs.getSmall(digest)).toString('utf8')) as Referencing;
    } catch (err) {
      if (isNotFound(err) || err instanceof SyntaxError) return undefined;
      throw err;
    }
  };

  for (const repo of await manifests.catalog()) {
    o.signal?.throwIfAborted();
    const revisions: string[] = [];
    for (const alg of await childNames(driver, layout.revisionsRoot(repo))) {
      for (const hex of await childNames(driver, `${layout.revisionsRoot(repo)}/${alg}`)) {
        const d = await readLink(driver, `${layout.revisionsRoot(repo)}/${alg}/${hex}/link`);
        if (d) revisions.push(d);
      }
    }
    let live = new Set(revisions);
    if (o.deleteUntagged) {
      live = new Set();
      const queue: string[] = [];
      for (const tag of await manifests.tags(repo).catch(() => [] as string[])) {
        const d = await readLink(driver, layout.tagLink(repo, tag));
        if (d) queue.push(d);
      }
      while (queue.length > 0) {
        const d = queue.pop()!;
        if (live.has(d)) continue;
        live.add(d);
        for (const child of (await parse(d))?.manifests ?? []) if (child.digest) queue.push(child.digest);
      }
      // Referrers of a live manifest stay too (signatures, SBOMs).
      for (const d of revisions) if (!live.has(d) && (await referrerOfLive(driver, repo, d, live))) live.add(d);
      for (const d of revisions) {
        if (live.has(d)) continue;
        deletedManifests.push({ repository: repo, digest: d });
        if (!o.dryRun) await manifests.delete(repo, d);
      }
    }
    for (const d of live) {
      marked.add(d);
      const m = await parse(d);
      if (m?.config?.digest) marked.add(m.config.digest);
      for (const l of m?.layers ?? []) if (l.digest) marked.add(l.digest);
    }
  }

  const deletedBlobs: string[] = [];
  let freedBytes = 0;
  for (const alg of await childNames(driver, layout.blobsRoot())) {
    for (const prefix of await childNames(driver, `${layout.blobsRoot()}/${alg}`)) {
      for (const hex of await childNames(driver, `${layout.blobsRoot()}/${alg}/${prefix}`)) {
        o.signal?.throwIfAborted();
        const digest = `${alg}:${hex}`;
        if (marked.has(digest)) continue;
        const size = (await blobs.statGlobal(digest)) ?? 0;
        deletedBlobs.push(digest);
        freedBytes += size;
        if (!o.dryRun) await deleteIfExists(driver, layout.blobDir(digest));
      }
    }
  }
  const purgedUploads = await purgeUploads(driver, { ...o, maxAgeMs: o.uploadMaxAgeMs ?? DEFAULT_UPLOAD_MAX_AGE_MS });
  return { marked: marked.size, purgedUploads, deletedBlobs, freedBytes, deletedManifests };
}

/** Deletes uploads older than `maxAgeMs` in every repository (including ones with no manifest yet). */
export async function purgeUploads(driver: StorageDriver, o: Op & { maxAgeMs: number; dryRun?: boolean; now?: Date }): Promise<GcResult['purgedUploads']> {
  const now = (o.now ?? new Date()).getTime();
  const out: GcResult['purgedUploads'] = [];
  const walk = async (prefix: string): Promise<void> => {
    const dir = prefix ? `${layout.repositoriesRoot()}/${prefix}` : layout.repositoriesRoot();
    for (const child of await childNames(driver, dir)) {
      o.signal?.throwIfAborted();
      if (child === '_uploads' && prefix) {
        for (const id of await childNames(driver, layout.uploadsRoot(prefix))) {
          let started = Number.NaN;
          try {
            started = Date.parse(Buffer.from(await driver.getContent(layout.uploadStartedAt(prefix, id))).toString('utf8'));
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          // No readable start time: fall back to the directory's modification time.
          if (Number.isNaN(started)) started = (await driver.stat(layout.uploadDir(prefix, id))).modTime.getTime();
          if (now - started <= o.maxAgeMs) continue;
          out.push({ repository: prefix, id });
          if (!o.dryRun) await deleteIfExists(driver, layout.uploadDir(prefix, id));
        }
        continue;
      }
      if (child.startsWith('_')) continue;
      if ((await driver.stat(`${dir}/${child}`)).isDir) await walk(prefix ? `${prefix}/${child}` : child);
    }
  };
  await walk('');
  return out;
}

async function referrerOfLive(driver: StorageDriver, repo: string, digest: string, live: Set<string>): Promise<boolean> {
  for (const subject of live) {
    if ((await readLink(driver, layout.referrerLink(repo, subject, digest))) === digest) return true;
  }
  return false;
}
