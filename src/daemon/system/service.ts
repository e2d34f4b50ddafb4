/** `docker version`, `docker info`, `docker events` and `system df` answers from the daemon's real state. */
import { cpus, hostname, release, totalmem, type as osType, arch } from 'node:os';
import { readFile } from 'node:fs/promises';
import { API_VERSION, MIN_API_VERSION } from '../../api/version.ts';
import { rfc3339Nano } from '../../lib/index.ts';
import { hostCgroups } from '../../runtime/index.ts';
import { matchesEventFilters, type EngineEvent, type EventBus } from '../events.ts';
import type { ContainerStore } from '../containers/record.ts';

export const BERTH_VERSION = '0.1.0';

export interface SystemFacts {
  dataRoot: string;
  runtime: 'crun' | 'runc';
  runtimeNotes: string[];
  started: Date;
  imageCount: () => Promise<number>;
  images: () => Promise<unknown[]>;
  /** What `system df` reports beyond images: layer bytes, containers with sizes, volumes with usage. */
  layersSize: () => Promise<number>;
  containers: () => Promise<unknown[]>;
  volumes: () => Promise<unknown[]>;
  check: (o: { repair: boolean }) => Promise<{ problems: string[]; repaired: string[] }>;
  buildCache: () => Promise<unknown[]>;
  pruneBuildCache: (o: { all: boolean; filters: Map<string, string[]> }) => Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
  /** --experimental: the docker CLI only offers `build --squash` to an experimental daemon. */
  experimental: boolean;
}

export class SystemService {
  private readonly facts: SystemFacts;
  private readonly containers: ContainerStore;
  private readonly bus: EventBus;
  private osName?: string;

  constructor(o: { facts: SystemFacts; containers: ContainerStore; events: EventBus }) {
    this.facts = o.facts;
    this.containers = o.containers;
    this.bus = o.events;
  }

  get experimental(): boolean {
    return this.facts.experimental;
  }

  version(): Record<string, unknown> {
    const goArch = arch() === 'x64' ? 'amd64' : arch();
    const engine = {
      Version: BERTH_VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: 'berth',
      GoVersion: `node${process.versions.node}`, Os: 'linux', Arch: goArch, KernelVersion: release(), BuildTime: '',
    };
    return {
      Platform: { Name: 'Berth' },
      Components: [
        { Name: 'Engine', Version: BERTH_VERSION, Details: { ApiVersion: API_VERSION, Arch: goArch, BuildTime: '', Experimental: String(this.facts.experimental), GitCommit: 'berth', GoVersion: engine.GoVersion, KernelVersion: release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux' } },
        { Name: this.facts.runtime, Version: this.facts.runtime, Details: { GitCommit: '' } },
        { Name: 'conmon', Version: 'conmon', Details: { GitCommit: '' } },
      ],
      ...engine,
    };
  }

  async info(): Promise<Record<string, unknown>> {
    const all = this.containers.all();
    const count = (s: string) => all.filter((c) => c.state.Status === s).length;
    this.osName ??= await readFile('/etc/os-release', 'utf8').then((t) => /^PRETTY_NAME="?([^"\n]*)"?/m.exec(t)?.[1] ?? 'Linux', () => 'Linux');
    const cgroupVersion = String(hostCgroups().version);
    const runtimes = { crun: { path: '/usr/bin/crun' }, runc: { path: '/usr/bin/runc' } };
    return {
      ID: `berth-${hostname()}`,
      Containers: all.length,
      ContainersRunning: count('running'),
      ContainersPaused: count('paused'),
      ContainersStopped: all.length - count('running') - count('paused'),
      Images: await this.facts.imageCount(),
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true'], ['userxattr', 'false']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['k8s-file'] },
      MemoryLimit: true, SwapLimit: true, KernelMemoryTCP: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true,
      CPUSet: true, PidsLimit: true, IPv4Forwarding: true, BridgeNfIptables: false, BridgeNfIp6tables: false,
      Debug: false, NFd: 0, OomKillDisable: cgroupVersion === '1', NGoroutines: 0, SystemTime: rfc3339Nano(),
      LoggingDriver: 'json-file', CgroupDriver: 'cgroupfs', CgroupVersion: cgroupVersion, NEventsListener: 0,
      KernelVersion: release(), OperatingSystem: this.osName, OSVersion: '', OSType: osType().toLowerCase(),
      Architecture: arch() === 'x64' ? 'x86_64' : arch(), IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: null },
      NCPU: cpus().length, MemTotal: totalmem(), GenericResources: null, DockerRootDir: this.facts.dataRoot,
      HttpProxy: '', HttpsProxy: '', NoProxy: '', Name: hostname(), Labels: [], ExperimentalBuild: this.facts.experimental,
      ServerVersion: BERTH_VERSION, Runtimes: runtimes, DefaultRuntime: this.facts.runtime, Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true, Isolation: '', InitBinary: 'docker-init',
      ContainerdCommit: { ID: '' }, RuncCommit: { ID: '' }, InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin', `name=cgroupns`].slice(0, 1),
      Warnings: this.facts.runtimeNotes.length ? this.facts.runtimeNotes.map((n) => `WARNING: ${n}`) : null,
    };
  }

  async events(o: { since?: number; until?: number; filters: Map<string, string[]>; signal: AbortSignal }, send: (e: EngineEvent) => void): Promise<void> {
    const sinceNs = o.since !== undefined ? BigInt(Math.floor(o.since * 1e9)) : undefined;
    const untilNs = o.until !== undefined ? BigInt(Math.floor(o.until * 1e9)) : undefined;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const listener = (e: EngineEvent) => {
      if (untilNs !== undefined && BigInt(e.timeNano) > untilNs) return;
      if (matchesEventFilters(e, o.filters)) send(e);
    };
    const unsubscribe = this.bus.subscribe(listener, { sinceNs });
    let timer: NodeJS.Timeout | undefined;
    if (untilNs !== undefined) {
      const waitMs = Number(untilNs / 1_000_000n) - Date.now();
      timer = setTimeout(finish, Math.max(0, waitMs));
    }
    o.signal.addEventListener('abort', () => finish(), { once: true });
    if (o.signal.aborted) finish();
    await done;
    clearTimeout(timer);
    unsubscribe();
  }

  check(o: { repair: boolean }): Promise<{ problems: string[]; repaired: string[] }> {
    return this.facts.check(o);
  }

  async df(): Promise<Record<string, unknown>> {
    const [LayersSize, Images, Containers, Volumes, BuildCache] = await Promise.all([
      this.facts.layersSize(), this.facts.images(), this.facts.containers(), this.facts.volumes(), this.facts.buildCache(),
    ]);
    return { LayersSize, Images, Containers, Volumes, BuildCache };
  }

  pruneBuildCache(o: { all: boolean; filters: Map<string, string[]> }): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    return this.facts.pruneBuildCache(o);
  }
}
