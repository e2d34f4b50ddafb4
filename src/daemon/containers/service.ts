/**
 * The container lifecycle: create, start, stop, kill, restart, pause, remove, wait, rename, and the handling of
 * exits reported by conmon. The daemon owns all state here; the runtime and image store are stateless adapters.
 *
 * Locking: one keyed mutex per container id. Public methods take it; helpers suffixed `Locked` assume it.
 * Waiting for an exit never happens under the lock, because the exit handler needs it.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  KeyedMutex, conflict, invalidArgument, isNotFound, notModified, newId, randomName, VALID_NAME, rfc3339Nano,
  isNotModified, type Logger,
} from '../../lib/index.ts';
import {
  buildSpec, resolveUser, readExitFile, isProcessAlive, hostCgroups, MASKED_PATHS, READONLY_PATHS, type ConmonRuntime, type SpecInput,
} from '../../runtime/index.ts';
import type { CreateRequest, CreateResponse, EndpointSettings, HostConfig, WaitCondition, WaitResponse } from '../../api/types/index.ts';
import type { EventBus } from '../events.ts';
import { mergeConfig, normalizeHostConfig, validateRestartPolicy } from './config-merge.ts';
import type { ContainerImages } from './deps.ts';
import type { NetworkService } from '../networks/service.ts';
import { writeEtcFiles } from './etc-files.ts';
import { planMounts } from './mounts.ts';
import type { VolumeService } from '../volumes/service.ts';
import { ContainerStore, SCHEMA_VERSION, initialState, NULL_TIME, type ContainerRecord } from './record.ts';
import { signalNumber } from './signals.ts';
import { normalizeStartError } from './start-errors.ts';
import { RestartScheduler } from './restart-scheduler.ts';
import { NetworkAttachments } from './network-attachments.ts';
import { discardUnsupported, resourceLimits } from './resources.ts';
import { deviceNodes } from './devices.ts';
import { rotationPolicy } from './log-rotation.ts';
import { HealthMonitor, healthCommand, type HealthConfig } from './health.ts';

export interface ContainerServiceOptions {
  store: ContainerStore;
  images: ContainerImages;
  /** OCI runtimes by name (crun, runc); containers pick one with HostConfig.Runtime. */
  runtimes: Record<string, ConmonRuntime>;
  defaultRuntime: string;
  events: EventBus;
  log: Logger;
  /** Bridge networking; without it every network mode but host behaves as none. */
  networks?: NetworkService;
  /** Volumes: created at create (planMounts), mounted at start, released at exit, removed with rm -v. */
  volumes: VolumeService;
  /** Host path of the init binary for --init. */
  initPath?: string;
  /** cgroup parent of every container (cgroupsPath <parent>/<id>); one per daemon. */
  cgroupParent: string;
  seccompProfile?: string;
}

interface Deferred<T> { promise: Promise<T>; resolve: (v: T) => void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Hooks the attach service uses to connect before the process starts (docker run attaches before start). */
export type BeforeStartHook = (rec: ContainerRecord) => Promise<void>;

export class ContainerService {
  readonly store: ContainerStore;
  private readonly images: ContainerImages;
  private readonly events: EventBus;
  private readonly log: Logger;
  private readonly o: ContainerServiceOptions;
  private readonly locks = new KeyedMutex();
  private readonly exitWaiters = new Map<string, Deferred<number>>();
  private readonly removeWaiters = new Map<string, Deferred<number>>();
  private readonly beforeStart = new Map<string, BeforeStartHook[]>();
  /** `crun delete` of exited containers runs in the background (it takes ~12 ms); the next start awaits it. */
  private readonly runtimeCleanups = new Map<string, Promise<void>>();
  private readonly restarts: RestartScheduler;
  private readonly attachments: NetworkAttachments;
  private readonly health: HealthMonitor;

  constructor(o: ContainerServiceOptions) {
    this.o = o;
    this.store = o.store;
    this.images = o.images;
    this.events = o.events;
    this.log = o.log;
    this.restarts = new RestartScheduler({
      log: this.log,
      markRestarting: (id) => this.locks.run(id, async () => {
        const cur = this.store.get(id);
        cur.state = { ...cur.state, Status: 'restarting' };
        await this.store.save(cur, { durable: false });
      }),
      restart: (id, countRestart) => this.locks.run(id, async () => {
        const cur = this.store.find(id);
        if (!cur || cur.state.Status !== 'restarting') return;
        if (countRestart) cur.restartCount += 1;
        await this.startLocked(cur, {});
        this.emit(cur, 'restart');
      }),
    });
    this.attachments = new NetworkAttachments({ store: this.store, locks: this.locks, events: this.events, networks: o.networks, isAlive });
    this.health = new HealthMonitor({
      get: (id) => this.store.find(id),
      runtimeOf: (rec) => this.runtimeOf(rec),
      bundleOf: (id) => this.store.paths(id).bundle,
      rootfsOf: (id) => this.store.paths(id).rootfs,
      log: this.log,
      update: (id, health, changed) => this.locks.run(id, async () => {
        const cur = this.store.find(id);
        if (!cur || cur.state.Status !== 'running') return;
        cur.state = { ...cur.state, Health: health };
        await this.store.save(cur, { durable: false });
        if (changed) this.emit(cur, `health_status: ${health.Status}`);
      }),
    });
  }

  // ---------------------------------------------------------------------------------------------- create

  async create(req: CreateRequest, o: { name?: string; signal?: AbortSignal } = {}): Promise<CreateResponse> {
    if (!req || typeof req !== 'object') throw invalidArgument('Config cannot be empty in order to create a container');
    const imageRef = req.Image;
    if (!imageRef) throw invalidArgument('No command specified');
    let name = o.name?.replace(/^\//, '');
    if (name !== undefined && name !== '' && !VALID_NAME.test(name)) {
      throw invalidArgument(`Invalid container name (${o.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    const hostConfig = normalizeHostConfig(req.HostConfig);
    if (!hostConfig.Privileged) {
      // As dockerd, record the default masked and read-only paths so inspect shows what the container gets.
      hostConfig.MaskedPaths ??= [...MASKED_PATHS];
      hostConfig.ReadonlyPaths ??= [...READONLY_PATHS];
    }
    validateRestartPolicy(hostConfig);
    const warnings = discardUnsupported(hostConfig, hostCgroups().version);
    resourceLimits(hostConfig); // Docker's checks, at create
    rotationPolicy(hostConfig.LogConfig?.Config);
    await deviceNodes(hostConfig); // --device paths must exist at create, as in dockerd
    hostConfig.Runtime = hostConfig.Runtime || this.o.defaultRuntime;
    if (!this.o.runtimes[hostConfig.Runtime]) throw invalidArgument(`unknown or invalid runtime name: ${hostConfig.Runtime}`);
    const endpoints = this.endpointsForCreate(hostConfig.NetworkMode!, req);

    const image = await this.images.resolve(imageRef);
    const merged = mergeConfig(req, image.config.config ?? {}, imageRef);
    const id = newId();
    if (!name) {
      for (let retry = 0; ; retry++) {
        name = randomName(retry);
        if (!this.store.nameOwner(name)) break;
      }
    }
    const owner = this.store.nameOwner(name);
    if (owner) {
      throw conflict(`Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    this.store.reserveName(name, id);
    const paths = this.store.paths(id);
    if (!merged.config.Hostname) merged.config.Hostname = hostConfig.NetworkMode === 'host' ? '' : id.slice(0, 12);
    const rec: ContainerRecord = {
      schema: SCHEMA_VERSION,
      id,
      name,
      created: rfc3339Nano(),
      path: merged.path,
      args: merged.args,
      image: imageRef,
      imageId: image.id,
      config: merged.config,
      hostConfig,
      endpoints,
      state: initialState(),
      restartCount: 0,
      hostnamePath: join(paths.dir, 'hostname'),
      hostsPath: join(paths.dir, 'hosts'),
      resolvConfPath: join(paths.dir, 'resolv.conf'),
      logPath: paths.log,
      mounted: false,
    };
    try {
      rec.mounts = await planMounts(hostConfig, merged.config.Volumes ?? null, {
        volumes: this.o.volumes, volumesFrom: (ref) => this.store.get(ref), containerId: id,
      });
      await mkdir(paths.dir, { recursive: true, mode: 0o700 });
      await this.images.createContainerLayer(image.id, id);
      await this.store.save(rec);
    } catch (err) {
      this.store.releaseName(name, id);
      await this.o.volumes.removeAnonymous(rec.mounts).catch(() => undefined);
      await this.images.removeContainerLayer(id).catch(() => undefined);
      await rm(paths.dir, { recursive: true, force: true });
      throw err;
    }
    this.emit(rec, 'create');
    return { Id: id, Warnings: warnings };
  }

  // ---------------------------------------------------------------------------------------------- start

  /** Registers a hook that runs once the conmon/runtime container exists but before its process starts. */
  onceBeforeStart(id: string, hook: BeforeStartHook): () => void {
    const list = this.beforeStart.get(id) ?? [];
    list.push(hook);
    this.beforeStart.set(id, list);
    return () => {
      const l = this.beforeStart.get(id);
      if (l) this.beforeStart.set(id, l.filter((h) => h !== hook));
    };
  }

  async start(ref: string, o: { signal?: AbortSignal } = {}): Promise<void> {
    const id = this.store.get(ref).id;
    try {
      await this.locks.run(id, async () => {
        const rec = this.store.get(id);
        if (rec.state.Status === 'running' || rec.state.Status === 'paused') throw notModified('container already started');
        this.restarts.cancel(rec.id);
        rec.manuallyStopped = false;
        if (rec.state.Status === 'removing' || rec.state.Status === 'dead') {
          throw conflict(`cannot start a container that has been removed`);
        }
        await this.startLocked(rec, o);
      });
    } catch (err) {
      // As dockerd: a container that fails to start is removed when it was created with --rm.
      const rec = this.store.find(id);
      if (rec?.hostConfig.AutoRemove && !isAlive(rec) && !isNotModified(err)) {
        await this.remove(id, { force: true }).catch((e) => this.log.warn('auto-remove after failed start', { id, err: e }));
      }
      throw err;
    }
  }

  private async startLocked(rec: ContainerRecord, o: { signal?: AbortSignal }): Promise<void> {
    const paths = this.store.paths(rec.id);
    const hc = rec.hostConfig;
    // A restart after an exit: drop the previous run's runtime state and exit file (a first start has none).
    await this.runtimeCleanups.get(rec.id);
    if (rec.state.StartedAt !== NULL_TIME || rec.state.conmonPid) {
      await rm(join(this.store.exits, rec.id), { force: true });
      await this.runtimeOf(rec).delete(rec.id, { force: true }).catch(() => undefined);
    }
    const T: [string, number][] = [['begin', performance.now()]]; // phase timings for the debug log
    await mkdir(paths.rootfs, { recursive: true });
    await mkdir(paths.bundle, { recursive: true, mode: 0o700 });
    await this.images.mountContainerLayer(rec.id, paths.rootfs);
    T.push(['mount', performance.now()]);
    rec.mounted = true;
    try {
      const mounts = await this.o.volumes.prepareMounts(rec.id, rec.mounts, paths.rootfs, { signal: o.signal });
      const hostNetwork = hc.NetworkMode === 'host';
      let network: SpecInput['network'];
      if (this.o.networks?.needsNetns(rec)) {
        const attached = await this.o.networks.attach(rec);
        rec.netnsPath = attached.netnsPath;
        rec.ports = attached.ports;
        network = { mode: 'netns', path: attached.netnsPath };
      } else {
        network = await this.networkFor(rec);
      }
      await writeEtcFiles({ hostname: rec.hostnamePath, hosts: rec.hostsPath, resolvConf: rec.resolvConfPath }, {
        hostname: rec.config.Hostname || rec.id.slice(0, 12), domainname: rec.config.Domainname, hc, hostNetwork,
        ip: Object.values(rec.endpoints).find((e) => e.IPAddress)?.IPAddress,
        embeddedDns: this.o.networks?.dnsServerFor(rec),
        hostGateway: this.o.networks?.hostGateway(),
      });
      T.push(['net+etc', performance.now()]);
      const user = await resolveUser(paths.rootfs, rec.config.User ?? '');
      const input: SpecInput = {
        id: rec.id,
        rootfs: paths.rootfs,
        args: [rec.path, ...rec.args],
        env: withHostname(rec.config.Env ?? [], rec.config.Hostname ?? '', user.home, !!rec.config.Tty),
        cwd: rec.config.WorkingDir || '/',
        user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
        terminal: !!rec.config.Tty,
        hostname: hostNetwork ? '' : rec.config.Hostname || rec.id.slice(0, 12),
        domainname: rec.config.Domainname,
        privileged: !!hc.Privileged,
        capAdd: hc.CapAdd ?? [],
        capDrop: hc.CapDrop ?? [],
        readonlyRootfs: !!hc.ReadonlyRootfs,
        tmpfs: mounts.tmpfs,
        binds: mounts.binds,
        network,
        etcFiles: { hosts: rec.hostsPath, hostname: rec.hostnamePath, resolvConf: rec.resolvConfPath },
        init: hc.Init ? this.o.initPath : undefined,
        shmSize: hc.ShmSize,
        seccompProfile: seccompFrom(hc.SecurityOpt, this.o.seccompProfile),
        noNewPrivileges: (hc.SecurityOpt ?? []).some((s) => s === 'no-new-privileges' || s === 'no-new-privileges:true' || s === 'no-new-privileges=true'),
        ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
        sysctls: hc.Sysctls ?? undefined,
        cgroupsPath: this.cgroupPath(rec.id),
        resources: resourceLimits(hc),
        devices: await deviceNodes(hc),
        labels: rec.config.Labels ?? undefined,
      };
      const spec = buildSpec(input);
      T.push(['spec', performance.now()]);
      await mkdir(this.store.exits, { recursive: true });
      const created = await this.runtimeOf(rec).create({
        id: rec.id, bundleDir: paths.bundle, spec, logPath: rec.logPath, exitDir: this.store.exits,
        // conmon cannot tell a detach from stdin EOF; with a TTY there is no EOF to pass on, so stdin stays open
        // for the next attach (docker run -it, ctrl-p ctrl-q, docker attach).
        terminal: !!rec.config.Tty, openStdin: !!rec.config.OpenStdin, stdinOnce: !!rec.config.StdinOnce && !rec.config.Tty,
      }, { signal: o.signal });
      const hooks = this.beforeStart.get(rec.id) ?? [];
      this.beforeStart.delete(rec.id);
      for (const h of hooks) await h(rec).catch((err) => this.log.warn('attach before start failed', { id: rec.id, err }));
      T.push(['create', performance.now()]);
      await this.runtimeOf(rec).start(rec.id);
      T.push(['start', performance.now()]);
      rec.state = {
        ...rec.state, Status: 'running', Pid: created.pid, conmonPid: created.conmonPid, ExitCode: 0, Error: '',
        StartedAt: rfc3339Nano(), FinishedAt: NULL_TIME, OOMKilled: false,
        Health: healthCommand(rec.config.Healthcheck as HealthConfig) ? { Status: 'starting', FailingStreak: 0, Log: [] } : undefined,
      };
      await this.store.save(rec);
      T.push(['save', performance.now()]);
      this.health.start(rec);
      this.log.debug('start phases (ms)', Object.fromEntries(T.slice(1).map(([k, t], i) => [k, Math.round(t - T[i][1])])));
      this.emit(rec, 'start');
    } catch (err) {
      const normalized = normalizeStartError(err);
      await this.runtimeOf(rec).delete(rec.id, { force: true }).catch(() => undefined);
      await this.releaseNetworkLocked(rec);
      await this.o.volumes.releaseMounts(rec.id, rec.mounts);
      await this.images.unmountContainerLayer(rec.id, paths.rootfs).catch(() => undefined);
      rec.mounted = false;
      rec.state = { ...rec.state, Status: rec.state.StartedAt === NULL_TIME ? 'created' : 'exited', Error: normalized.message, ExitCode: normalized.exitCode, Pid: 0, conmonPid: 0 };
      await this.store.save(rec);
      throw normalized.error;
    }
  }

  cgroupPath(id: string): string {
    return `${this.o.cgroupParent}/${id}`;
  }

  /** The OCI runtime a container was created with (HostConfig.Runtime, resolved at create). */
  runtimeOf(rec: ContainerRecord): ConmonRuntime {
    return this.o.runtimes[rec.hostConfig.Runtime || this.o.defaultRuntime] ?? this.o.runtimes[this.o.defaultRuntime];
  }

  private endpointsForCreate(mode: string, req: CreateRequest): ContainerRecord['endpoints'] {
    if (mode === 'host' || mode === 'none') return { [mode]: {} };
    if (mode.startsWith('container:')) {
      this.store.get(mode.slice('container:'.length));
      return {};
    }
    // A missing network is a 400 at create: the CLI answers a 404 here by trying to pull the image.
    if (this.o.networks) {
      try {
        return this.o.networks.endpointsForCreate(mode, req.NetworkingConfig?.EndpointsConfig);
      } catch (err) {
        if (isNotFound(err)) throw invalidArgument((err as Error).message, { cause: err });
        throw err;
      }
    }
    if (mode !== 'bridge' && mode !== 'default') throw invalidArgument(`network ${mode} not found`);
    return { bridge: {} };
  }

  /** Gives back the run's network resources (ports, addresses, netns). */
  private async releaseNetworkLocked(rec: ContainerRecord): Promise<void> {
    if (this.o.networks && (rec.netnsPath || rec.ports?.length || Object.values(rec.endpoints).some((e) => e.IPAddress))) {
      await this.o.networks.detach(rec);
    }
    rec.netnsPath = undefined;
    rec.ports = undefined;
  }

  private async networkFor(rec: ContainerRecord): Promise<SpecInput['network']> {
    const mode = rec.hostConfig.NetworkMode ?? 'bridge';
    if (mode === 'host') return { mode: 'host' };
    if (mode.startsWith('container:')) {
      const other = this.store.get(mode.slice('container:'.length));
      if (other.state.Status !== 'running' && other.state.Status !== 'paused') {
        throw conflict(`cannot join network namespace of a non running container: container ${other.id} is ${other.state.Status}`);
      }
      return { mode: 'netns', path: `/proc/${other.state.Pid}/ns/net` };
    }
    return { mode: 'none' };
  }

  // ---------------------------------------------------------------------------------------------- stop/kill

  async kill(ref: string, signal = 'KILL'): Promise<void> {
    const rec = this.store.get(ref);
    const sig = signalNumber(signal);
    if (!isAlive(rec)) throw conflict(`Cannot kill container: ${ref}: Container ${rec.id} is not running`);
    await this.runtimeOf(rec).kill(rec.id, sig, { all: sig === 9 });
    this.emit(rec, 'kill', { signal: String(sig) });
  }

  /** Docker's stop: StopSignal (default SIGTERM), wait `t` seconds (default 10), then SIGKILL. */
  async stop(ref: string, o: { timeout?: number; signal?: string } = {}): Promise<void> {
    const rec = this.store.get(ref);
    if (this.restarts.cancel(rec.id)) {
      // Stopping a container that waits to be restarted ends that for good.
      await this.locks.run(rec.id, async () => {
        const cur = this.store.get(rec.id);
        cur.manuallyStopped = true;
        cur.state = { ...cur.state, Status: 'exited' };
        await this.store.save(cur);
      });
      this.emit(this.store.get(rec.id), 'stop');
      return;
    }
    if (!isAlive(rec)) throw notModified('container already stopped');
    rec.manuallyStopped = true;
    const exited = this.nextExit(rec.id);
    const sig = signalNumber(o.signal || rec.config.StopSignal || 'TERM');
    const timeout = o.timeout ?? rec.config.StopTimeout ?? 10;
    await this.runtimeOf(rec).kill(rec.id, sig).catch(() => undefined);
    this.emit(rec, 'kill', { signal: String(sig) });
    if (rec.state.Status === 'paused') await this.runtimeOf(rec).resume(rec.id).catch(() => undefined);
    const inTime = timeout < 0 ? await exited.then(() => true) : await raceTimeout(exited, timeout * 1000);
    if (!inTime && isAlive(this.store.get(rec.id))) {
      await this.runtimeOf(rec).kill(rec.id, 9, { all: true }).catch(() => undefined);
      this.emit(rec, 'kill', { signal: '9' });
      await raceTimeout(exited, 30_000);
    }
    this.emit(this.store.get(rec.id), 'stop');
  }

  async restart(ref: string, o: { timeout?: number; signal?: string } = {}): Promise<void> {
    const rec = this.store.get(ref);
    if (isAlive(rec)) {
      await this.stop(rec.id, o).catch((err: unknown) => {
        if (!isNotModified(err)) throw err;
      });
    }
    await this.locks.run(rec.id, async () => {
      const cur = this.store.get(rec.id);
      if (!isAlive(cur)) await this.startLocked(cur, {});
    });
    this.emit(this.store.get(rec.id), 'restart');
  }

  async pause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    await this.locks.run(rec.id, async () => {
      const cur = this.store.get(rec.id);
      if (cur.state.Status === 'paused') throw conflict(`Container ${cur.id} is already paused`);
      if (cur.state.Status !== 'running') throw conflict(`Container ${cur.id} is not running`);
      await this.runtimeOf(cur).pause(cur.id);
      cur.state = { ...cur.state, Status: 'paused' };
      await this.store.save(cur);
      this.emit(cur, 'pause');
    });
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    await this.locks.run(rec.id, async () => {
      const cur = this.store.get(rec.id);
      if (cur.state.Status !== 'paused') throw conflict(`Container ${cur.id} is not paused`);
      await this.runtimeOf(cur).resume(cur.id);
      cur.state = { ...cur.state, Status: 'running' };
      await this.store.save(cur);
      this.emit(cur, 'unpause');
    });
  }

  // ---------------------------------------------------------------------------------------------- exits

  /** Resolves with the exit code at the container's next exit. */
  nextExit(id: string): Promise<number> {
    let d = this.exitWaiters.get(id);
    if (!d) {
      d = deferred<number>();
      this.exitWaiters.set(id, d);
    }
    return d.promise;
  }

  /** Called by the exit watcher when conmon writes <exits>/<id>, and at start-up for exits we missed. */
  async handleExit(id: string): Promise<void> {
    if (!this.store.find(id)) return;
    await this.locks.run(id, async () => {
      const rec = this.store.find(id);
      if (!rec || (rec.state.Status !== 'running' && rec.state.Status !== 'paused')) return;
      // The watcher can report a file more than once; an exit file from an earlier run is removed before each
      // start, so only a present file speaks for the current run.
      const code = await readExitFile(this.store.exits, id);
      if (code === undefined) return;
      await this.finishLocked(rec, code);
    });
    const rec = this.store.find(id);
    if (rec?.hostConfig.AutoRemove && rec.state.Status === 'exited') {
      await this.remove(id, { force: true, volumes: true }).catch((err) => this.log.warn('auto-remove failed', { id, err }));
      return;
    }
    if (rec && rec.state.Status === 'exited') await this.restarts.consider(rec, { boot: false });
  }

  private async finishLocked(rec: ContainerRecord, code: number): Promise<void> {
    this.health.stop(rec.id);
    // Read before the runtime's delete removes the cgroup.
    const oom = await hostCgroups().oomKilled(this.cgroupPath(rec.id));
    this.releaseRuntime(rec);
    await this.images.unmountContainerLayer(rec.id, this.store.paths(rec.id).rootfs).catch((err) => this.log.warn('unmount failed', { id: rec.id, err }));
    rec.mounted = false;
    await this.o.volumes.releaseMounts(rec.id, rec.mounts);
    await this.releaseNetworkLocked(rec);
    rec.state = { ...rec.state, Status: 'exited', ExitCode: code, Pid: 0, conmonPid: 0, FinishedAt: rfc3339Nano(), OOMKilled: oom };
    if (oom) this.emit(rec, 'oom');
    // A --rm container is removed right after; if that record is lost, reconcile finds the exit again.
    await this.store.save(rec, { durable: !rec.hostConfig.AutoRemove });
    const ranSeconds = Math.max(0, Math.floor((Date.parse(rec.state.FinishedAt) - Date.parse(rec.state.StartedAt)) / 1000));
    this.emit(rec, 'die', { exitCode: String(code), execDuration: String(ranSeconds) });
    const d = this.exitWaiters.get(rec.id);
    this.exitWaiters.delete(rec.id);
    d?.resolve(code);
  }

  private releaseRuntime(rec: ContainerRecord): void {
    const id = rec.id;
    const p = this.runtimeOf(rec).delete(id, { force: true })
      .catch((err) => this.log.warn('runtime delete failed', { id, err }))
      .finally(() => {
        if (this.runtimeCleanups.get(id) === p) this.runtimeCleanups.delete(id);
      });
    this.runtimeCleanups.set(id, p);
  }

  /** At daemon start, after reconcile: containers whose restart policy says so come back. */
  async startByPolicy(): Promise<void> {
    for (const rec of this.store.all()) {
      if (rec.state.Status === 'exited' || rec.state.Status === 'created' && rec.state.StartedAt !== NULL_TIME) {
        await this.restarts.consider(rec, { boot: true }).catch((err) => this.log.warn('restart at start-up failed', { id: rec.id, err }));
      }
    }
  }

  /**
   * Start-up reconciliation after a daemon restart or crash: running containers whose conmon is alive are
   * adopted; those that exited meanwhile get their real exit code; half-started ones are cleaned up.
   */
  async reconcile(): Promise<void> {
    // Runtime state of containers removed while a background `delete` was still running.
    for (const rt of Object.values(this.o.runtimes)) {
      for (const id of await rt.list().catch(() => [] as string[])) {
        if (!this.store.find(id)) await rt.delete(id, { force: true }).catch(() => undefined);
      }
    }
    for (const rec of this.store.all()) {
      await this.locks.run(rec.id, async () => {
        const code = await readExitFile(this.store.exits, rec.id);
        const alive = rec.state.conmonPid > 0 && isProcessAlive(rec.state.conmonPid);
        if (rec.state.Status === 'running' || rec.state.Status === 'paused') {
          if (code !== undefined || !alive) {
            this.log.info('container exited while the daemon was down', { id: rec.id.slice(0, 12), exitCode: code });
            await this.finishLocked(rec, code ?? 255);
          } else {
            this.log.info('re-adopted running container', { id: rec.id.slice(0, 12) });
            this.health.start(rec);
            await this.o.volumes.adoptMounts(rec.id, rec.mounts);
          }
          return;
        }
        if (rec.state.Status === 'removing') {
          return; // finished below, outside the lock
        }
        if (rec.state.Status === 'restarting') {
          // The daemon stopped while this container waited for its restart: startByPolicy decides again.
          rec.state = { ...rec.state, Status: 'exited' };
          await this.store.save(rec);
        }
        // created/exited: make sure nothing from an interrupted start is left behind. A crash in the middle of
        // a start may have mounted, networked or created the container before its record said so: clean up by
        // id, not by what the record knows (each step is idempotent).
        if (alive && rec.state.conmonPid) process.kill(rec.state.conmonPid, 'SIGKILL');
        await this.runtimeOf(rec).delete(rec.id, { force: true }).catch(() => undefined);
        await this.releaseNetworkLocked(rec);
        await this.o.networks?.releaseOrphaned(rec.id);
        await this.images.unmountContainerLayer(rec.id, this.store.paths(rec.id).rootfs).catch(() => undefined);
        await this.o.volumes.releaseMounts(rec.id, rec.mounts).catch(() => undefined);
        if (rec.mounted || rec.netnsPath || rec.ports?.length) {
          rec.mounted = false;
          rec.netnsPath = undefined;
          rec.ports = undefined;
          await this.store.save(rec);
        }
      });
      // Like dockerd's restore, --rm containers that are not running go before the API answers.
      const gone = rec.state.Status === 'removing' || (rec.hostConfig.AutoRemove && !isAlive(rec));
      if (gone) await this.remove(rec.id, { force: true, volumes: !!rec.hostConfig.AutoRemove }).catch((err) => this.log.warn('finishing removal failed', { id: rec.id, err }));
    }
  }

  // ---------------------------------------------------------------------------------------------- wait

  async wait(ref: string, condition: WaitCondition = 'not-running', o: { signal?: AbortSignal } = {}): Promise<WaitResponse> {
    const rec = this.store.get(ref);
    let p: Promise<number>;
    if (condition === 'removed') {
      p = this.removed(rec.id);
    } else if (condition === 'next-exit') {
      p = this.nextExit(rec.id);
    } else {
      if (!isAlive(rec)) return { StatusCode: rec.state.ExitCode, Error: null };
      p = this.nextExit(rec.id);
    }
    const aborted = new Promise<never>((_, reject) => {
      o.signal?.addEventListener('abort', () => reject(o.signal!.reason), { once: true });
    });
    const code = await Promise.race([p, aborted]);
    return { StatusCode: code, Error: null };
  }

  private removed(id: string): Promise<number> {
    let d = this.removeWaiters.get(id);
    if (!d) {
      d = deferred<number>();
      this.removeWaiters.set(id, d);
    }
    return d.promise;
  }

  // ---------------------------------------------------------------------------------------------- remove

  async remove(ref: string, o: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.store.get(ref);
    if (rec.state.Status === 'restarting' && o.force && this.restarts.cancel(rec.id)) {
      rec.state = { ...rec.state, Status: 'exited' };
    }
    if (isAlive(rec)) {
      if (!o.force) {
        const state = rec.state.Status === 'paused' ? 'paused' : 'running';
        throw conflict(`cannot remove container "/${rec.name}": container is ${state}: stop the container before removing or force remove`);
      }
      const exited = this.nextExit(rec.id);
      rec.manuallyStopped = true; // no restart policy brings back a container being removed
      await this.runtimeOf(rec).kill(rec.id, 9, { all: true }).catch(() => undefined);
      if (rec.state.Status === 'paused') await this.runtimeOf(rec).resume(rec.id).catch(() => undefined);
      this.emit(rec, 'kill', { signal: '9' });
      if (!(await raceTimeout(exited, 15_000))) await this.handleExit(rec.id);
    }
    await this.locks.run(rec.id, async () => {
      const cur = this.store.find(rec.id);
      if (!cur) return;
      if (isAlive(cur)) throw conflict(`cannot remove container "/${cur.name}": container is running: stop the container before removing or force remove`);
      const wasExited = cur.state.Status === 'exited' || cur.state.Status === 'created';
      cur.state = { ...cur.state, Status: 'removing' };
      await this.store.save(cur, { durable: false }); // a lost 'removing' just means removing again
      // An exited container's runtime state and mount were already released when it exited.
      if (cur.mounted || (!wasExited && cur.state.StartedAt !== NULL_TIME)) {
        await this.runtimeOf(cur).delete(cur.id, { force: true }).catch(() => undefined);
        await this.images.unmountContainerLayer(cur.id, this.store.paths(cur.id).rootfs).catch(() => undefined);
      }
      await this.images.removeContainerLayer(cur.id);
      await this.store.delete(cur.id);
      if (o.volumes) await this.o.volumes.removeAnonymous(cur.mounts);
      this.emit(cur, 'destroy');
      const d = this.removeWaiters.get(cur.id);
      this.removeWaiters.delete(cur.id);
      d?.resolve(cur.state.ExitCode);
    });
  }

  // ---------------------------------------------------------------------------------------------- misc

  /** Runs fn under the container's lock (docker cp/export mount a stopped container's layer meanwhile). */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(id, fn);
  }

  async rename(ref: string, newName: string): Promise<void> {
    const rec = this.store.get(ref);
    const name = newName.replace(/^\//, '');
    if (!name) throw invalidArgument('Neither old nor new names may be empty');
    if (!VALID_NAME.test(name)) throw invalidArgument(`Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    await this.locks.run(rec.id, async () => {
      const cur = this.store.get(rec.id);
      if (cur.name === name) throw invalidArgument('Renaming a container with the same name as its current name');
      const owner = this.store.nameOwner(name);
      if (owner) throw conflict(`Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
      const oldName = cur.name;
      this.store.reserveName(name, cur.id);
      try {
        await this.store.save({ ...cur, name });
      } catch (err) {
        this.store.releaseName(name, cur.id);
        throw err;
      }
      this.emit(this.store.get(cur.id), 'rename', { oldName: `/${oldName}` });
    });
  }

  /** docker update: new resource limits (applied at once to a running container) and restart policy. */
  async update(ref: string, changes: HostConfig): Promise<{ Warnings: string[] }> {
    const rec = this.store.get(ref);
    return this.locks.run(rec.id, async () => {
      const cur = this.store.get(rec.id);
      const updatable = ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuQuota', 'CpuPeriod', 'CpusetCpus',
        'CpusetMems', 'PidsLimit', 'BlkioWeight', 'OomKillDisable', 'RestartPolicy'] as const;
      const hc: HostConfig = { ...cur.hostConfig };
      for (const k of updatable) if (changes[k] !== undefined && changes[k] !== null) (hc as Record<string, unknown>)[k] = changes[k];
      if (changes.NanoCpus) { hc.CpuQuota = 0; hc.CpuPeriod = 0; }
      validateRestartPolicy(hc);
      const warnings = discardUnsupported(hc, hostCgroups().version);
      const limits = resourceLimits(hc);
      if (isAlive(cur) && limits) await this.runtimeOf(cur).update(cur.id, this.store.paths(cur.id).bundle, limits);
      cur.hostConfig = hc;
      await this.store.save(cur);
      this.emit(cur, 'update');
      return { Warnings: warnings };
    });
  }

  connectNetwork(networkRef: string, ref: string, cfg: EndpointSettings): Promise<void> {
    return this.attachments.connect(networkRef, ref, cfg);
  }

  disconnectNetwork(networkRef: string, ref: string, o: { force?: boolean } = {}): Promise<void> {
    return this.attachments.disconnect(networkRef, ref, o);
  }

  async resize(ref: string, size: { height: number; width: number }): Promise<void> {
    const rec = this.store.get(ref);
    if (!isAlive(rec)) throw conflict(`Container ${rec.id} is not running`);
    if (!rec.config.Tty) return;
    await this.runtimeOf(rec).resize(this.store.paths(rec.id).bundle, size);
    this.emit(rec, 'resize', { height: String(size.height), width: String(size.width) });
  }

  async pids(ref: string): Promise<number[]> {
    const rec = this.store.get(ref);
    if (!isAlive(rec)) throw conflict(`Container ${rec.id} is not running`);
    return this.runtimeOf(rec).top(rec.id);
  }

  layerSize(id: string): Promise<number> {
    return this.images.containerLayerSize(this.store.get(id).id);
  }

  /** Image ids in use, for `rmi` conflicts and prune. */
  usersOfImage(imageId: string): { id: string; running: boolean }[] {
    return this.store.all().filter((c) => c.imageId === imageId).map((c) => ({ id: c.id, running: isAlive(c) }));
  }

  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.events.publish('container', action, rec.id, { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name, ...extra });
  }
}

export function isAlive(rec: ContainerRecord): boolean {
  return rec.state.Status === 'running' || rec.state.Status === 'paused' || rec.state.Status === 'restarting';
}

function withHostname(env: string[], hostname: string, home: string, tty: boolean): string[] {
  const out = [...env];
  if (hostname && !out.some((e) => e.startsWith('HOSTNAME='))) out.splice(1, 0, `HOSTNAME=${hostname}`);
  if (!out.some((e) => e.startsWith('HOME='))) out.push(`HOME=${home || '/'}`);
  if (tty && !out.some((e) => e.startsWith('TERM='))) out.push('TERM=xterm');
  return out;
}

function seccompFrom(securityOpt: string[] | null | undefined, fallback?: string): string | undefined {
  for (const s of securityOpt ?? []) {
    const m = /^seccomp[=:](.*)$/.exec(s);
    if (m) return m[1] === 'unconfined' ? 'unconfined' : m[1];
  }
  return fallback;
}

async function raceTimeout<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), t]);
  } finally {
    clearTimeout(timer);
  }
}
