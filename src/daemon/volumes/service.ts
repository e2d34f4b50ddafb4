/**
 * The daemon's volume service: Docker's volume API over the VolumeStore, `volume` events, who-uses-what from
 * the container records, and the container hooks (create → ensure via planMounts; start → prepareMounts;
 * exit → releaseMounts; rm -v → removeAnonymous).
 *
 * Usage is derived, never stored: a container uses a volume when the volume is in its record's mounts, so
 * `volume rm` of a used volume is a conflict and `volume ls -f dangling=true` needs no bookkeeping.
 * Mount references (ref = container id) are in memory; adoptMounts re-takes them for containers that kept
 * running across a daemon restart.
 */
import { mkdir, stat } from 'node:fs/promises';
import { errnoCode, invalidArgument, isConflict, isInvalidArgument, isNotFound, rootLogger, type Logger } from '../../lib/index.ts';
import { copyImageContentIntoVolume, type CreateVolumeOptions, type VolumeFilters, type VolumeStore, type VolumeView } from '../../volume/index.ts';
import { resolveInRoot } from '../../archive/index.ts';
import type { ContainerRecord, MountPoint } from '../containers/record.ts';
import type { MountVolumes } from '../containers/mounts.ts';

export type VolumeEmit = (action: string, name: string, attrs: Record<string, string>) => void;

export interface VolumeServiceOptions {
  store: VolumeStore;
  emit: VolumeEmit;
  /** All container records (for usage: in-use checks, dangling, RefCount). */
  containers?: () => readonly ContainerRecord[];
  log?: Logger;
}

/** What the runtime spec needs (SpecInput.binds and SpecInput.tmpfs). */
export interface PreparedMounts {
  binds: { source: string; destination: string; readonly: boolean; propagation?: string }[];
  tmpfs: Record<string, string>;
}

export class VolumeService implements MountVolumes {
  readonly store: VolumeStore;
  private readonly emit: VolumeEmit;
  private readonly log: Logger;
  /** `${containerId}\0${volume}` pairs we hold a mount reference for. */
  private readonly held = new Set<string>();

  constructor(o: VolumeServiceOptions) {
    this.store = o.store;
    this.emit = o.emit;
    this.log = o.log ?? rootLogger;
    const containers = o.containers;
    if (containers) {
      this.store.setUsage((name) => containers()
        .filter((c) => c.mounts?.some((m) => m.Type === 'volume' && m.Name === name))
        .map((c) => c.id));
    }
  }

  // ------------------------------------------------------------------------------------------------ API

  list(filters: VolumeFilters, o: { size?: boolean } = {}) { return this.store.list(filters, o); }
  inspect(name: string, o: { size?: boolean } = {}) { return this.store.inspect(name, o); }

  /** `docker volume create`: returns the existing volume when the name is taken (as dockerd). */
  async create(name: string | undefined, o: CreateVolumeOptions = {}): Promise<VolumeView> {
    return (await this.createOrGet(name, o)).view;
  }

  async remove(name: string, o: { force?: boolean } = {}): Promise<void> {
    let driver = 'local';
    try {
      driver = (await this.store.inspect(name)).Driver;
    } catch (err) {
      if (isNotFound(err) && o.force) return;
      throw err;
    }
    await this.store.remove(name, o);
    this.emit('destroy', name, { driver });
  }

  async prune(filters: VolumeFilters) {
    const r = await this.store.prune(filters);
    for (const n of r.VolumesDeleted) this.emit('destroy', n, { driver: 'local' });
    return r;
  }

  // ------------------------------------------------------------------------------------------------ containers

  /** For planMounts: the named volume (created with these options when missing) or a new anonymous one. */
  async ensure(name: string | undefined, o?: CreateVolumeOptions): Promise<VolumeView> {
    if (o === undefined && name) return this.store.inspect(name); // volumes-from: must exist
    return (await this.createOrGet(name, o ?? {})).view;
  }

  /**
   * Before a start: mounts each volume (ref = container id), copies the image's content at the destination
   * into an empty volume unless nocopy, creates missing `-v` bind sources; returns the runtime's binds/tmpfs.
   * On failure every reference taken here is given back.
   */
  async prepareMounts(containerId: string, mounts: readonly MountPoint[] | undefined, rootfs: string, o: { signal?: AbortSignal } = {}): Promise<PreparedMounts> {
    const binds: PreparedMounts['binds'] = [];
    const tmpfs: Record<string, string> = {};
    const taken: MountPoint[] = [];
    try {
      for (const m of mounts ?? []) {
        if (m.Type === 'tmpfs') {
          tmpfs[m.Destination] = m.tmpfsOptions ?? '';
        } else if (m.Type === 'bind') {
          await ensureBindSource(m.Source, m.createSource ?? false);
          binds.push({ source: m.Source, destination: m.Destination, readonly: !m.RW, propagation: m.Propagation || undefined });
        } else {
          const path = await this.mountOne(containerId, m);
          taken.push(m);
          if (!m.noCopy) {
            // The image's directory, resolved inside the rootfs only (a symlink there never leads out of it).
            const src = await resolveInRoot(rootfs, m.Destination, { followLast: true });
            await copyImageContentIntoVolume(src, path, { signal: o.signal });
          }
          binds.push({ source: path, destination: m.Destination, readonly: !m.RW });
        }
      }
    } catch (err) {
      await this.releaseMounts(containerId, taken);
      throw err;
    }
    // Parents before children (moby sorts mounts by depth), so /a/b is not hidden by a later /a.
    binds.sort((a, b) => depth(a.destination) - depth(b.destination));
    return { binds, tmpfs };
  }

  /** After an exit (and on failed starts): gives back the container's volume references. Idempotent. */
  async releaseMounts(containerId: string, mounts: readonly MountPoint[] | undefined): Promise<void> {
    for (const m of mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      const key = `${containerId}\0${m.Name}`;
      if (!this.held.has(key)) continue;
      this.held.delete(key);
      try {
        await this.store.unmount(m.Name, containerId);
        this.emit('unmount', m.Name, { container: containerId, driver: m.Driver ?? 'local' });
      } catch (err) {
        this.log.warn('volume unmount failed', { volume: m.Name, container: containerId, err });
      }
    }
  }

  /** At daemon start, for a container still running: re-take its volume references (mounts are idempotent). */
  async adoptMounts(containerId: string, mounts: readonly MountPoint[] | undefined): Promise<void> {
    for (const m of mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      await this.store.mount(m.Name, containerId).then(
        () => this.held.add(`${containerId}\0${m.Name}`),
        (err) => this.log.warn('re-mounting volume failed', { volume: m.Name, container: containerId, err }),
      );
    }
  }

  /** `rm -v`: removes the anonymous volumes among these mounts; ones still used elsewhere are kept (as dockerd). */
  async removeAnonymous(mounts: readonly MountPoint[] | undefined): Promise<void> {
    for (const m of mounts ?? []) {
      if (m.Type !== 'volume' || !m.anonymous || !m.Name) continue;
      try {
        await this.remove(m.Name);
      } catch (err) {
        if (isNotFound(err)) continue;
        if (isConflict(err)) this.log.info('anonymous volume still in use; kept', { volume: m.Name });
        else this.log.warn('removing anonymous volume failed', { volume: m.Name, err });
      }
    }
  }

  /**
   * For docker cp/export on a stopped container: takes references on its volumes (so device-backed volumes
   * are mounted) under `ref`; the caller gives them back with releaseMounts(ref, mounts).
   */
  async acquireForAccess(ref: string, mounts: readonly MountPoint[] | undefined): Promise<void> {
    const taken: MountPoint[] = [];
    try {
      for (const m of mounts ?? []) {
        if (m.Type !== 'volume' || !m.Name) continue;
        await this.store.mount(m.Name, ref);
        this.held.add(`${ref}\0${m.Name}`);
        taken.push(m);
      }
    } catch (err) {
      await this.releaseMounts(ref, taken);
      throw err;
    }
  }

  private async mountOne(containerId: string, m: MountPoint): Promise<string> {
    const key = `${containerId}\0${m.Name}`;
    const path = await this.store.mount(m.Name!, containerId);
    if (!this.held.has(key)) {
      this.held.add(key);
      this.emit('mount', m.Name!, {
        container: containerId, destination: m.Destination, driver: m.Driver ?? 'local', propagation: m.Propagation, 'read/write': String(m.RW),
      });
    }
    return path;
  }

  private async createOrGet(name: string | undefined, o: CreateVolumeOptions): Promise<{ view: VolumeView; created: boolean }> {
    if (name) {
      try {
        const view = await this.store.inspect(name);
        if (o.driver && view.Driver !== o.driver) return { view: await this.store.create(name, o), created: false }; // the store's conflict
        return { view, created: false };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    let view: VolumeView;
    try {
      view = await this.store.create(name, o);
    } catch (err) {
      const msg = (err as Error).message;
      if (name && !msg.startsWith('create ') && isInvalidArgument(err)) throw invalidArgument(`create ${name}: ${msg}`, { cause: err });
      throw err;
    }
    this.emit('create', view.Name, { driver: view.Driver });
    return { view, created: true };
  }
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

async function ensureBindSource(source: string, create: boolean): Promise<void> {
  try {
    await stat(source);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    if (!create) throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
    await mkdir(source, { recursive: true, mode: 0o755 });
  }
}
