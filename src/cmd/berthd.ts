/**
 * berthd: the composition root. Parses flags and the JSON config, prepares the host, constructs every store and
 * service, reconciles containers that outlived a previous daemon, and serves the Engine API.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { configureLogging, isLevel, rootLogger, type Level } from '../lib/index.ts';
import { ApiServer, containerRoutes, execRoutes, networkRoutes, systemRoutes } from '../api/index.ts';
import { imageRoutes } from '../api/routers/images/routes.ts';
import type { RegistryAuth } from '../api/routers/images/backend.ts';
import { ConmonRuntime, prepareHost } from '../runtime/index.ts';
import { BridgeDriver, DEFAULT_ADDRESS_POOLS, DEFAULT_EXEC_ROOT, DnsServer, Ipam, nftTableFor, type AddressPool } from '../network/index.ts';
import { NetworkService, hostResolvers } from '../daemon/networks/service.ts';
import { NetworksBackendImpl } from '../daemon/backend/networks.ts';
import { CommitBackendImpl } from '../daemon/backend/commit.ts';
import { commitRoutes } from '../api/routers/commit/routes.ts';
import { ImageService, LayerMetadataStore } from '../image/index.ts';
import { DEFAULT_CERTS_DIR } from '../registry/client/index.ts';
import { EventBus } from '../daemon/events.ts';
import { ContainerStore } from '../daemon/containers/record.ts';
import { ContainerService } from '../daemon/containers/service.ts';
import { AttachService } from '../daemon/containers/attach.ts';
import { ExitWatcher } from '../daemon/containers/exit-watcher.ts';
import { LogRotator } from '../daemon/containers/log-rotation.ts';
import { ExecService } from '../daemon/exec/service.ts';
import { ContainersBackendImpl } from '../daemon/backend/containers.ts';
import { ExecBackendImpl } from '../daemon/backend/exec.ts';
import { SystemService } from '../daemon/system/service.ts';
import { systemCheck } from '../daemon/system/check.ts';
import { LocalVolumeDriver, VolumeStore } from '../volume/index.ts';
import { VolumeService } from '../daemon/volumes/service.ts';
import { VolumesBackendImpl } from '../daemon/backend/volumes.ts';
import { volumeRoutes } from '../api/routers/volumes/routes.ts';
import { archiveRoutes } from '../api/routers/containers/archive-routes.ts';
import { ContainerArchive } from '../daemon/containers/archive.ts';
import { ArchiveBackendImpl } from '../daemon/backend/archive.ts';
import { buildRoutes } from '../api/routers/build/routes.ts';
import { BuildCache, Builder, CacheMountStore, buildContainers } from '../daemon/build/index.ts';
import { BuildBackendImpl } from '../daemon/backend/build.ts';
import { DistributionBackendImpl } from '../daemon/backend/images.ts';

interface DaemonConfig {
  /** The --config file, re-read on SIGHUP. */
  configFile?: string;
  dataRoot: string;
  /** --tlsverify / --tls with --tlscacert, --tlscert, --tlskey: TLS on TCP listeners. */
  tls?: { verify: boolean; cacert?: string; cert: string; key: string };
  execRoot: string;
  bridge: string;
  bip?: string;
  pools: AddressPool[];
  hosts: string[];
  pidfile?: string;
  runtime?: 'crun' | 'runc';
  logLevel: Level;
  /** daemon.json registry-mirrors / insecure-registries (and --registry-mirror / --insecure-registry). */
  registries: { mirrors: string[]; insecure: string[]; certsDir: string };
  /** --experimental (daemon.json "experimental"): advertised to clients, which then offer e.g. build --squash. */
  experimental: boolean;
}

const USAGE = `Usage:	berthd [OPTIONS]

A Docker-compatible container engine

Options:
      --bip string                       Address (CIDR) of the default bridge's gateway
  -b, --bridge string                    Device name of the default bridge network (default "berth0")
      --certs-dir string                 Per-registry CAs and client certificates: DIR/<host:port>/ (default "/etc/docker/certs.d")
      --config string                    Daemon configuration file (JSON, like daemon.json)
      --data-root string                 Root directory of persistent Berth state (default "/var/lib/berth")
      --default-address-pool pool-opts   Default address pools for networks (base=CIDR,size=N; repeatable)
      --exec-root string                 Root directory for run-time state: netns, sockets (default "/run/berth")
      --experimental                     Enable experimental features (the docker CLI's build --squash)
  -H, --host list          Daemon socket to listen on (default unix:///run/berth/berth.sock)
      --log-level string   Set the logging level ("debug"|"info"|"warn"|"error") (default "info")
  -p, --pidfile string     Path to use for daemon PID file
      --runtime string     Default OCI runtime: crun or runc (default "crun")
      --tls                Use TLS on TCP listeners; implied by --tlsverify
      --tlscacert string   Trust certs signed only by this CA
      --tlscert string     Path to TLS certificate file
      --tlskey string      Path to TLS key file
      --tlsverify          Use TLS and verify the remote (clients must present a certificate signed by --tlscacert)
`;

async function parseArgs(argv: string[]): Promise<DaemonConfig> {
  const flags: Record<string, string[]> = {};
  const names: Record<string, string> = { H: 'host', p: 'pidfile', 'default-runtime': 'runtime', l: 'log-level', b: 'bridge' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    const m = /^--?([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument: ${a}`);
    const name = names[m[1]] ?? m[1];
    if (name === 'tls' || name === 'tlsverify' || name === 'experimental') {
      (flags[name] ??= []).push(m[2] ?? 'true');
      continue;
    }
    if (!['config', 'data-root', 'exec-root', 'host', 'log-level', 'pidfile', 'runtime', 'bridge', 'bip', 'default-address-pool', 'tlscacert', 'tlscert', 'tlskey', 'registry-mirror', 'insecure-registry', 'certs-dir'].includes(name)) throw new Error(`unknown flag: ${a}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`flag needs an argument: ${a}`);
    (flags[name] ??= []).push(value);
  }
  let file: Record<string, unknown> = {};
  if (flags.config) file = JSON.parse(await readFile(flags.config[0], 'utf8'));
  const pick = (flag: string, key: string) => flags[flag]?.at(-1) ?? (file[key] as string | undefined);
  const logLevel = pick('log-level', 'log-level') ?? 'info';
  if (!isLevel(logLevel)) throw new Error(`invalid log level: ${logLevel}`);
  const runtime = pick('runtime', 'default-runtime');
  if (runtime && runtime !== 'crun' && runtime !== 'runc') throw new Error(`unknown runtime: ${runtime}`);
  const poolFlags = flags['default-address-pool']?.map(parsePoolOpt);
  const pools = poolFlags ?? (file['default-address-pools'] as AddressPool[] | undefined) ?? DEFAULT_ADDRESS_POOLS;
  const tlsVerify = (flags.tlsverify?.at(-1) ?? String(file.tlsverify ?? '')) === 'true';
  const tlsOn = tlsVerify || (flags.tls?.at(-1) ?? String(file.tls ?? '')) === 'true';
  const tlsCert = pick('tlscert', 'tlscert');
  const tlsKey = pick('tlskey', 'tlskey');
  if (tlsOn && (!tlsCert || !tlsKey)) throw new Error('--tls needs --tlscert and --tlskey');
  if (tlsVerify && !pick('tlscacert', 'tlscacert')) throw new Error('--tlsverify needs --tlscacert');
  return {
    configFile: flags.config?.[0],
    tls: tlsOn ? { verify: tlsVerify, cacert: pick('tlscacert', 'tlscacert'), cert: tlsCert!, key: tlsKey! } : undefined,
    dataRoot: resolve(pick('data-root', 'data-root') ?? '/var/lib/berth'),
    execRoot: resolve(pick('exec-root', 'exec-root') ?? DEFAULT_EXEC_ROOT),
    bridge: pick('bridge', 'bridge') ?? 'berth0',
    bip: pick('bip', 'bip'),
    pools: [...pools],
    hosts: flags.host ?? (file.hosts as string[] | undefined) ?? ['unix:///run/berth/berth.sock'],
    pidfile: pick('pidfile', 'pidfile'),
    runtime: runtime as 'crun' | 'runc' | undefined,
    logLevel,
    experimental: (flags.experimental?.at(-1) ?? String(file.experimental ?? '')) === 'true',
    registries: {
      mirrors: flags['registry-mirror'] ?? (file['registry-mirrors'] as string[] | undefined) ?? [],
      insecure: flags['insecure-registry'] ?? (file['insecure-registries'] as string[] | undefined) ?? [],
      certsDir: resolve(pick('certs-dir', 'certs-dir') ?? DEFAULT_CERTS_DIR),
    },
  };
}

/** `base=10.10.0.0/16,size=24`, as dockerd's --default-address-pool. */
function parsePoolOpt(v: string): AddressPool {
  const kv = Object.fromEntries(v.split(',').map((p) => p.split('=')));
  if (!kv.base || !kv.size) throw new Error(`invalid address pool: ${v} (want base=CIDR,size=N)`);
  return { base: kv.base, size: Number(kv.size) };
}

async function main(): Promise<void> {
  const cfg = await parseArgs(process.argv.slice(2));
  configureLogging({ level: cfg.logLevel });
  const log = rootLogger;
  await mkdir(cfg.dataRoot, { recursive: true, mode: 0o711 });

  const host = await prepareHost({ preferred: cfg.runtime });
  for (const note of host.notes) log.info(note);
  log.info('using OCI runtime', { runtime: host.runtime });

  const events = new EventBus();
  const images = await ImageService.open({ dataRoot: cfg.dataRoot, events: { emit: (action, id, attrs) => events.publish('image', action, id, attrs) } });
  const store = new ContainerStore(cfg.dataRoot);
  const halfCreated = await store.load();
  const runtimes = Object.fromEntries(host.available.map((name) => [name, new ConmonRuntime({ runtime: name, root: join(cfg.dataRoot, 'runtime', name) })]));
  const runtime = runtimes[host.runtime];
  await mkdir(cfg.execRoot, { recursive: true, mode: 0o711 });
  const driver = new BridgeDriver({
    stateDir: join(cfg.execRoot, 'network'), netnsDir: join(cfg.execRoot, 'netns'), nftTable: nftTableFor(cfg.execRoot), log,
  });
  let networks: NetworkService | undefined;
  const dns = new DnsServer({
    resolve: (net, name, client) => networks?.resolveName(net, name, client) ?? [],
    upstreamFor: (_net, client) => networks?.upstreamFor(client),
    upstream: await hostResolvers(),
    log,
  });
  networks = await NetworkService.open({
    dataRoot: cfg.dataRoot, driver, ipam: new Ipam({ dir: join(cfg.dataRoot, 'networks', 'ipam') }), dns, log,
    emit: (action, id, attrs) => events.publish('network', action, id, attrs),
    containers: () => store.all(),
    defaultBridge: { name: cfg.bridge, cidr: cfg.bip },
    netnsDir: join(cfg.execRoot, 'netns'),
    pools: cfg.pools,
  });
  const volumes = new VolumeService({
    store: new VolumeStore({ local: new LocalVolumeDriver(cfg.dataRoot) }),
    emit: (action, name, attrs) => events.publish('volume', action, name, attrs),
    containers: () => store.all(),
    log: log.child({ svc: 'volumes' }),
  });
  // One cgroup parent per daemon (like the nftables table), so daemons side by side never see each other's.
  const cgroupParent = `/${nftTableFor(cfg.execRoot)}`;
  const containers = new ContainerService({
    cgroupParent,
    store, images, runtimes, defaultRuntime: host.runtime, events, networks, volumes, log: log.child({ svc: 'containers' }), initPath: '/usr/bin/tini-static',
  });
  images.setUsageChecker((imageId) => containers.usersOfImage(imageId));
  for (const id of halfCreated) {
    log.warn('removing half-created container', { id });
    try {
      await runtime.delete(id, { force: true }).catch(() => undefined);
      await images.unmountContainerLayer(id, store.paths(id).rootfs).catch(() => undefined);
      await images.removeContainerLayer(id).catch(() => undefined);
      await rm(store.paths(id).dir, { recursive: true, force: true });
      await rm(store.paths(id).bundle, { recursive: true, force: true });
    } catch (err) {
      log.error('could not remove half-created container; leaving it for the next start', { id, err });
    }
  }
  await containers.reconcile();
  const exits = new ExitWatcher(store.exits, (id) => containers.handleExit(id), log);
  exits.start();
  await exits.rescan();
  await containers.startByPolicy();
  const logRotator = new LogRotator({
    containers: () => store.all(),
    reopen: (rec) => containers.runtimeOf(rec).reopenLogs(store.paths(rec.id).bundle),
    log,
  });
  logRotator.start();

  const attach = new AttachService({ containers, runtime, log });
  const execs = new ExecService({ containers, log });
  const cacheMounts = await CacheMountStore.open(join(cfg.dataRoot, 'builder', 'cache-mounts'));
  const buildCache = new BuildCache({ images, cacheMounts });
  const system = new SystemService({
    facts: {
      dataRoot: cfg.dataRoot, runtime: host.runtime, runtimeNotes: host.notes, started: new Date(),
      imageCount: async () => (await images.list({})).length,
      images: async () => images.list({ sharedSize: true }),
      layersSize: () => images.layersSize(),
      containers: () => containersBackend.list({ all: true, size: true, filters: new Map() }),
      volumes: async () => (await volumes.list({}, { size: true })).Volumes,
      experimental: cfg.experimental,
      buildCache: () => buildCache.usage(),
      pruneBuildCache: (o) => buildCache.prune(o),
      check: (o) => systemCheck({ store, images, networks, dataRoot: cfg.dataRoot, execRoot: cfg.execRoot, cgroupParent }, o),
    },
    containers: store,
    events,
  });
  const containersBackend = new ContainersBackendImpl({
    containers, attach,
    images: {
      imageIdsFor: async (ref) => images.inspect(ref).then((i) => [i.Id], () => []),
      imageSize: async (id) => (await images.inspect(id)).Size,
    },
  });
  // One distribution backend for `docker pull/push` and the builder's FROM pulls (same registries, events, v2metadata).
  // One v2metadata map (diff id -> blobs in registries) for every pull and push of this daemon.
  const layerMetadata = new LayerMetadataStore(join(cfg.dataRoot, 'distribution', 'v2metadata.json'));
  const distribution = new DistributionBackendImpl({ images, registries: () => cfg.registries, log: log.child({ svc: 'distribution' }), events, layerMetadata });
  const server = new ApiServer({
    log,
    routes: [
      ...systemRoutes(system),
      ...containerRoutes(containersBackend),
      ...archiveRoutes(new ArchiveBackendImpl({
        archive: new ContainerArchive({
          store, images, volumes, lock: (id, fn) => containers.withLock(id, fn), emit: (rec, action) => containers.emit(rec, action),
          log: log.child({ svc: 'archive' }),
        }),
      })),
      ...volumeRoutes(new VolumesBackendImpl({ volumes })),
      ...execRoutes(new ExecBackendImpl(execs)),
      ...imageRoutes(images, distribution),
      ...buildRoutes(new BuildBackendImpl({
        builder: new Builder({
          images, containers: buildContainers(containers), tmpRoot: join(cfg.dataRoot, 'tmp', 'build'), cacheMounts, log: log.child({ svc: 'build' }),
          pull: (ref, o) => distribution.pull(ref, { progress: o.progress, signal: o.signal ?? new AbortController().signal, auth: o.auth as RegistryAuth | undefined }),
        }),
      })),
      ...networkRoutes(new NetworksBackendImpl({ networks, containers })),
      ...commitRoutes(new CommitBackendImpl({ containers, images })),
    ],
  });
  const tls = cfg.tls && {
    cert: await readFile(cfg.tls.cert), key: await readFile(cfg.tls.key),
    ca: cfg.tls.verify && cfg.tls.cacert ? await readFile(cfg.tls.cacert) : undefined,
  };
  for (const h of cfg.hosts) {
    if (h.startsWith('unix://')) await mkdir(dirname(new URL(h).pathname), { recursive: true, mode: 0o755 });
    if (h.startsWith('tcp://') && !tls) log.warn('API listening on TCP without TLS: anyone who can reach it controls this host', { host: h });
    await server.listen(h, { tls });
    log.info('API listening', { host: h });
  }
  if (cfg.pidfile) await writeFile(cfg.pidfile, `${process.pid}\n`);
  events.publish('daemon', 'start', 'berthd', {});

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down; containers keep running', { signal });
    exits[Symbol.dispose]();
    logRotator.stop();
    await dns.closeAll();
    await server.close();
    if (cfg.pidfile) await rm(cfg.pidfile, { force: true });
    process.exit(0);
  };
  // SIGHUP reloads what can change without a restart (as dockerd reloads its daemon.json): the log level.
  process.on('SIGHUP', () => void (async () => {
    if (!cfg.configFile) return;
    try {
      const file = JSON.parse(await readFile(cfg.configFile, 'utf8')) as Record<string, unknown>;
      const level = String(file['log-level'] ?? 'info');
      if (isLevel(level)) configureLogging({ level });
      log.info('configuration reloaded', { file: cfg.configFile, 'log-level': level });
      events.publish('daemon', 'reload', 'berthd', { 'log-level': level });
    } catch (err) {
      log.error('configuration reload failed', { err });
    }
  })());
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`berthd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
