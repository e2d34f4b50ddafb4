/**
 * docker cp (stat / archive / extract), docker export and docker diff on a container, running or not.
 *
 * A running container's rootfs is mounted on the host (at its rootfs dir) for the whole run; its volumes and
 * binds exist only in its own mount namespace, so paths through them are mapped to their host sources
 * (PathMount[] from rec.mounts) and every path is resolved in scope by src/archive.
 * A stopped container gets its layer mounted at its rootfs dir (and its volumes referenced) for the duration
 * of the operation, under the container's lock, so a start cannot race with it; the lock is held until a
 * streamed tar ends (as dockerd holds the container lock during containerArchivePath).
 */
import { mkdir } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { KeyedMutex, isNotFound, type Logger, rootLogger } from '../../lib/index.ts';
import {
  archivePath, containerFileNotFound, diffUpper, encodePathStatHeader, exportRootfs, extractArchive, statPath,
  type Change, type PathStat,
} from '../../archive/index.ts';
import type { ContainerRecord, ContainerStore } from './record.ts';
import { pathMounts } from './mounts.ts';

export interface ArchiveImages {
  mountContainerLayer(containerId: string, target: string): Promise<void>;
  unmountContainerLayer(containerId: string, target: string): Promise<void>;
  containerLayerMounts(containerId: string): Promise<{ upper: string; lowers: string[] }>;
}

export interface ArchiveVolumes {
  acquireForAccess(ref: string, mounts: ContainerRecord['mounts']): Promise<void>;
  releaseMounts(ref: string, mounts: ContainerRecord['mounts']): Promise<void>;
}

export type ContainerLock = <T>(id: string, fn: () => Promise<T>) => Promise<T>;

export interface ContainerArchiveOptions {
  store: ContainerStore;
  images: ArchiveImages;
  volumes?: ArchiveVolumes;
  /** The container service's per-container lock (ContainerService.withLock); a private one when absent. */
  lock?: ContainerLock;
  /** Container events (archive-path, extract-to-dir, export). */
  emit?: (rec: ContainerRecord, action: string) => void;
  log?: Logger;
}

interface Session {
  rec: ContainerRecord;
  root: string;
  mounts: ReturnType<typeof pathMounts>;
  close(): Promise<void>;
}

function alive(rec: ContainerRecord): boolean {
  return rec.state.Status === 'running' || rec.state.Status === 'paused' || rec.state.Status === 'restarting';
}

export class ContainerArchive {
  private readonly o: ContainerArchiveOptions;
  private readonly lock: ContainerLock;
  private readonly log: Logger;

  constructor(o: ContainerArchiveOptions) {
    this.o = o;
    const own = new KeyedMutex();
    this.lock = o.lock ?? ((id, fn) => own.run(id, fn));
    this.log = o.log ?? rootLogger;
  }

  /** HEAD /containers/{id}/archive. */
  async stat(ref: string, path: string): Promise<PathStat> {
    const s = await this.open(ref);
    try {
      return await statPath(s.root, path, s.mounts).catch((err) => { throw notFoundAs(err, path, ref); });
    } finally {
      await s.close();
    }
  }

  /** GET /containers/{id}/archive: the stat (for the header) and the tar; resources go when the tar ends. */
  async archive(ref: string, path: string, o: { signal?: AbortSignal } = {}): Promise<{ stat: PathStat; header: string; tar: Readable }> {
    const s = await this.open(ref);
    try {
      const a = await archivePath(s.root, path, { mounts: s.mounts, signal: o.signal }).catch((err) => { throw notFoundAs(err, path, ref); });
      this.releaseWhenDone(a.tar, s);
      this.o.emit?.(s.rec, 'archive-path');
      return { stat: a.stat, header: encodePathStatHeader(a.stat), tar: a.tar };
    } catch (err) {
      await s.close();
      throw err;
    }
  }

  /** PUT /containers/{id}/archive. */
  async extract(ref: string, path: string, body: Readable, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean; signal?: AbortSignal }): Promise<void> {
    const s = await this.open(ref);
    try {
      await extractArchive(s.root, path, body, {
        noOverwriteDirNonDir: o.noOverwriteDirNonDir, copyUIDGID: o.copyUIDGID, containerUser: s.rec.config.User || undefined,
        mounts: s.mounts, readonlyRootfs: !!s.rec.hostConfig.ReadonlyRootfs, signal: o.signal,
      }).catch((err) => { throw notFoundAs(err, path, ref); });
      this.o.emit?.(s.rec, 'extract-to-dir');
    } finally {
      body.resume(); // drain whatever the client still sends
      await s.close();
    }
  }

  /** GET /containers/{id}/export. */
  async export(ref: string, o: { signal?: AbortSignal } = {}): Promise<Readable> {
    const s = await this.open(ref);
    try {
      const tar = exportRootfs(s.root, { signal: o.signal });
      this.releaseWhenDone(tar, s);
      this.o.emit?.(s.rec, 'export');
      return tar;
    } catch (err) {
      await s.close();
      throw err;
    }
  }

  /** GET /containers/{id}/changes: null when nothing changed (dockerd's JSON). */
  async changes(ref: string, o: { signal?: AbortSignal } = {}): Promise<Change[] | null> {
    const rec = this.o.store.get(ref);
    const { upper, lowers } = await this.o.images.containerLayerMounts(rec.id);
    const out = withoutRuntimeStubs(await diffUpper(upper, lowers, o), (rec.mounts ?? []).map((m) => m.Destination));
    return out.length ? out : null;
  }

  private releaseWhenDone(tar: Readable, s: Session): void {
    finished(tar).catch(() => undefined).finally(() => void s.close());
  }

  /** Takes the container's lock and makes its filesystem reachable on the host until close(). */
  private async open(ref: string): Promise<Session> {
    const id = this.o.store.get(ref).id;
    let acquired!: () => void;
    let release!: () => void;
    const gotLock = new Promise<void>((r) => (acquired = r));
    const done = new Promise<void>((r) => (release = r));
    const held = this.lock(id, async () => {
      acquired();
      await done;
    });
    held.catch(() => acquired()); // the lock itself failed: fall through and fail below
    await gotLock;
    const rec = this.o.store.find(id);
    const root = this.o.store.paths(id).rootfs;
    let mountedHere = false;
    let volumesHere = false;
    const accessRef = `archive-${id}`;
    const close = async () => {
      if (volumesHere) await this.o.volumes?.releaseMounts(accessRef, rec?.mounts).catch((err) => this.log.warn('volume release failed', { id, err }));
      if (mountedHere) await this.o.images.unmountContainerLayer(id, root).catch((err) => this.log.warn('unmount after cp failed', { id, err }));
      volumesHere = mountedHere = false;
      release();
      await held.catch(() => undefined);
    };
    try {
      if (!rec) throw this.o.store.get(ref) as never; // removed while we waited
      if (!alive(rec) && !rec.mounted) {
        await mkdir(root, { recursive: true });
        await this.o.images.mountContainerLayer(id, root);
        mountedHere = true;
        if (this.o.volumes) {
          await this.o.volumes.acquireForAccess(accessRef, rec.mounts);
          volumesHere = true;
        }
      }
      return { rec, root, mounts: pathMounts(rec.mounts), close };
    } catch (err) {
      await close();
      throw err;
    }
  }
}

/** Docker's 404 for docker cp: `Could not find the file <path> in container <name>`. */
function notFoundAs(err: unknown, path: string, ref: string): unknown {
  return isNotFound(err) ? containerFileNotFound(path, ref) : err;
}

/**
 * Drops what the runtime creates in the container layer as mount points (the etc files, /dev, /proc, /sys, the
 * container's own mount destinations) and the directories reported modified only because of them: dockerd
 * keeps those in an init layer, so they never show in a diff.
 */
export function withoutRuntimeStubs(changes: readonly Change[], mountDestinations: readonly string[]): Change[] {
  const stubs = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/dev', '/proc', '/sys', '/sbin/docker-init', ...mountDestinations];
  const under = (p: string, d: string) => p === d || p.startsWith(`${d}/`);
  const isStub = (c: Change) => c.Kind !== 2 && stubs.some((s) => under(c.Path, s));
  const real = changes.filter((c) => !isStub(c));
  return real.filter((c) => {
    if (c.Kind !== 0) return true;
    const stubBelow = changes.some((x) => isStub(x) && x.Path.startsWith(`${c.Path}/`));
    if (!stubBelow) return true;
    return real.some((x) => x !== c && x.Path.startsWith(`${c.Path}/`));
  });
}
