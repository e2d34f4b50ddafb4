/**
 * Container records and their persistence.
 *
 * On-disk layout (schema v1), one directory per container:
 *   <dataRoot>/containers/<id>/container.json   the record below, written atomically (temp + fsync + rename)
 *   <dataRoot>/containers/<id>/rootfs/          mount point of the container's overlay
 *   <dataRoot>/containers/<id>/ctr.log          conmon's k8s-file log
 *   <dataRoot>/containers/<id>/{hostname,hosts,resolv.conf}
 *   <dataRoot>/b/<id>/                           the OCI bundle (config.json, conmon's ctl fifo and attach socket);
 *                                                kept short because unix socket paths are limited to 107 bytes
 *   <dataRoot>/exits/<id>                        exit code file written by conmon
 * A directory without a readable container.json is a half-created container and is removed at start-up.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJsonAtomic, notFound, invalidArgument, rootLogger } from '../../lib/index.ts';
import type { ContainerConfig, HostConfig, EndpointSettings } from '../../api/types/index.ts';

export const SCHEMA_VERSION = 1;

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
  /** conmon's pid while the container is alive (not part of Docker's JSON). */
  conmonPid: number;
  /** Present for containers with a healthcheck. */
  Health?: { Status: 'starting' | 'healthy' | 'unhealthy'; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] };
}

/** A container mount as Docker reports it in inspect's Mounts (plus what Berth needs to set it up again). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** An anonymous volume (removed with `rm -v`). */
  anonymous?: boolean;
  /** volume-nocopy: do not copy the image's content into a new volume. */
  noCopy?: boolean;
  /** tmpfs mount options ("size=64m,mode=1777"). */
  tmpfsOptions?: string;
  /** Bind source created on demand (-v) rather than required to exist (--mount). */
  createSource?: boolean;
  /** A `--tmpfs` mount (HostConfig.Tmpfs): set up like the others but not listed in inspect's Mounts. */
  tmpfsFlag?: boolean;
  /** An anonymous volume for one of the image's VOLUME paths. */
  imageVolume?: boolean;
}

/** A published port as the kernel was programmed for it. */
export interface PublishedPort { containerPort: number; proto: 'tcp' | 'udp' | 'sctp'; hostIp: string; hostPort: number }

export interface ContainerRecord {
  schema: number;
  id: string;
  name: string;            // without the leading slash
  created: string;         // RFC 3339 with nanoseconds
  path: string;
  args: string[];
  image: string;           // as the user gave it (Config.Image)
  imageId: string;         // sha256:...
  config: ContainerConfig;
  hostConfig: HostConfig;
  endpoints: Record<string, EndpointSettings>;
  state: ContainerState;
  restartCount: number;
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
  logPath: string;
  /** Set while the container's rootfs is mounted by us. */
  mounted: boolean;
  /** Binds, volumes and tmpfs mounts, resolved at create time (volumes created then, as dockerd does). */
  mounts?: MountPoint[];
  /** The container's network namespace while it runs on a bridge network. */
  netnsPath?: string;
  /** Ports published for the current run. */
  ports?: PublishedPort[];
  /** Stopped by the user (docker stop): restart policies leave it alone until it is started again. */
  manuallyStopped?: boolean;
}

export const NULL_TIME = '0001-01-01T00:00:00Z';

export function initialState(): ContainerState {
  return { Status: 'created', Pid: 0, ExitCode: 0, Error: '', StartedAt: NULL_TIME, FinishedAt: NULL_TIME, OOMKilled: false, conmonPid: 0 };
}

export interface ContainerPaths {
  dir: string;
  rootfs: string;
  bundle: string;
  log: string;
}

/** In-memory index of all containers, persisted one file per container. Reads need no lock. */
export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly byName = new Map<string, string>();
  readonly root: string;
  readonly bundles: string;
  readonly exits: string;

  constructor(dataRoot: string) {
    this.root = join(dataRoot, 'containers');
    this.bundles = join(dataRoot, 'b');
    this.exits = join(dataRoot, 'exits');
  }

  paths(id: string): ContainerPaths {
    const dir = join(this.root, id);
    return { dir, rootfs: join(dir, 'rootfs'), bundle: join(this.bundles, id), log: join(dir, 'ctr.log') };
  }

  /** Loads every record; returns the ids of directories that hold no valid record (half-created). */
  async load(): Promise<string[]> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await mkdir(this.bundles, { recursive: true, mode: 0o700 });
    await mkdir(this.exits, { recursive: true, mode: 0o700 });
    const broken: string[] = [];
    for (const id of await readdir(this.root)) {
      let rec: ContainerRecord | undefined;
      try {
        rec = await readJson<ContainerRecord>(join(this.root, id, 'container.json'));
      } catch (err) {
        rootLogger.warn('unreadable container record', { id, err });
      }
      if (!rec || rec.id !== id) broken.push(id);
      else this.index(rec);
    }
    return broken;
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  /** Docker's lookup order: full id, exact name, unique id prefix. */
  find(ref: string): ContainerRecord | undefined {
    const r = ref.replace(/^\//, '');
    const exact = this.byId.get(r);
    if (exact) return exact;
    const byName = this.byName.get(r);
    if (byName) return this.byId.get(byName);
    if (!/^[0-9a-f]+$/.test(r)) return undefined;
    let found: ContainerRecord | undefined;
    for (const [id, rec] of this.byId) {
      if (!id.startsWith(r)) continue;
      if (found) throw invalidArgument(`multiple IDs found with provided prefix: ${r}`);
      found = rec;
    }
    return found;
  }

  get(ref: string): ContainerRecord {
    const rec = this.find(ref);
    if (!rec) throw notFound(`No such container: ${ref}`);
    return rec;
  }

  nameOwner(name: string): string | undefined {
    return this.byName.get(name);
  }

  /** `durable: false` skips the fsyncs, for states whose loss a restart repairs (exited → removing). */
  async save(rec: ContainerRecord, o: { durable?: boolean } = {}): Promise<void> {
    await mkdir(join(this.root, rec.id), { recursive: true, mode: 0o700 });
    await writeJsonAtomic(join(this.root, rec.id, 'container.json'), rec, { fsync: o.durable !== false });
    this.index(rec);
  }

  /** Reserves a name in memory before the record is first written, so two creates cannot both take it. */
  reserveName(name: string, id: string): void {
    this.byName.set(name, id);
  }

  releaseName(name: string, id: string): void {
    if (this.byName.get(name) === id) this.byName.delete(name);
  }

  async delete(id: string): Promise<void> {
    const rec = this.byId.get(id);
    // The record goes first: a crash after this leaves a directory without a record, cleaned at start-up.
    await rm(join(this.root, id, 'container.json'), { force: true });
    await rm(join(this.root, id), { recursive: true, force: true });
    await rm(join(this.bundles, id), { recursive: true, force: true });
    await rm(join(this.exits, id), { force: true });
    this.byId.delete(id);
    if (rec) this.releaseName(rec.name, id);
  }

  private index(rec: ContainerRecord): void {
    const prev = this.byId.get(rec.id);
    if (prev && prev.name !== rec.name) this.releaseName(prev.name, rec.id);
    this.byId.set(rec.id, rec);
    this.byName.set(rec.name, rec.id);
  }
}
