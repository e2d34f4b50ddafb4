/**
 * SpecInput (the container's resolved HostConfig + Config) -> OCI runtime spec with Docker's defaults.
 * Pure except for reading host facts that never change while berthd runs (capability set, seccomp profile file,
 * kernel version, rlimits) and, for --privileged, the host's /dev.
 */
import { invalidArgument } from '../../lib/errdefs.ts';
import { resolveCapabilities } from './capabilities.ts';
import { DEFAULT_DEVICES, DEFAULT_DEVICE_RULES, DEFAULT_SHM_SIZE, MASKED_PATHS, READONLY_PATHS, defaultMounts } from './defaults.ts';
import { hostDevices } from './host-devices.ts';
import { DEFAULT_SECCOMP_PROFILE, seccompFor } from './seccomp.ts';
import { resolveRlimits } from './rlimits.ts';
import { tmpfsOptions } from './tmpfs.ts';
import type { OciDevice, OciMount, OciNamespace, OciSpec } from './oci-spec.ts';

export interface SpecInput {
  id: string;
  rootfs: string;
  args: string[]; env: string[]; cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean;
  hostname: string; domainname?: string;
  privileged: boolean; capAdd: string[]; capDrop: string[];
  readonlyRootfs: boolean;
  tmpfs: Record<string, string>;
  binds: { source: string; destination: string; readonly: boolean; propagation?: string }[];
  network: { mode: 'none' } | { mode: 'host' } | { mode: 'netns'; path: string };
  etcFiles: { hosts?: string; hostname?: string; resolvConf?: string };
  init?: string;
  shmSize?: number;
  seccompProfile?: string | 'unconfined';
  noNewPrivileges?: boolean;
  ulimits?: { name: string; soft: number; hard: number }[];
  sysctls?: Record<string, string>;
  cgroupsPath: string;
  labels?: Record<string, string>;
  /** cgroup limits (OCI linux.resources without devices, which the builder owns). */
  resources?: ResourceLimits;
  /** --device: host device nodes made available in the container, with their cgroup access. */
  devices?: { device: OciDevice; access: string }[];
}

export interface ResourceLimits {
  memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean; swappiness?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight?: number };
}

/** Where --init's binary appears inside the container (Docker's path). */
export const INIT_PATH = '/sbin/docker-init';

export function buildSpec(input: SpecInput): OciSpec {
  if (!input.rootfs.startsWith('/')) throw invalidArgument(`rootfs must be an absolute path: ${input.rootfs}`);
  if (input.args.length === 0) throw invalidArgument('no command specified');
  const caps = resolveCapabilities(input);
  const args = input.init ? [INIT_PATH, '--', ...input.args] : [...input.args];

  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: input.terminal,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: [...input.user.additionalGids] },
      args,
      env: [...input.env],
      cwd: input.cwd || '/',
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      noNewPrivileges: input.noNewPrivileges ?? false,
      oomScoreAdj: 0,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    hostname: input.hostname,
    mounts: buildMounts(input),
    linux: {
      namespaces: namespaces(input.network),
      devices: [
        ...(input.privileged ? hostDevices() : DEFAULT_DEVICES.map((d) => ({ ...d }))),
        ...(input.devices ?? []).map((d) => ({ ...d.device })),
      ],
      resources: {
        ...(input.resources ?? {}),
        devices: input.privileged ? [{ allow: true, access: 'rwm' }] : [
          ...DEFAULT_DEVICE_RULES.map((r) => ({ ...r })),
          ...(input.devices ?? []).map((d) => ({ allow: true, type: d.device.type, major: d.device.major, minor: d.device.minor, access: d.access })),
        ],
      },
      cgroupsPath: input.cgroupsPath,
    },
  };
  if (input.domainname) spec.domainname = input.domainname;
  const rlimits = resolveRlimits(input.ulimits ?? []);
  if (rlimits.length) spec.process.rlimits = rlimits;
  if (input.sysctls && Object.keys(input.sysctls).length) spec.linux.sysctl = { ...input.sysctls };
  if (!input.privileged) {
    spec.linux.maskedPaths = [...MASKED_PATHS];
    spec.linux.readonlyPaths = [...READONLY_PATHS];
    if (input.seccompProfile !== 'unconfined') spec.linux.seccomp = seccompFor(input.seccompProfile ?? DEFAULT_SECCOMP_PROFILE, caps);
  }
  if (input.labels && Object.keys(input.labels).length) spec.annotations = { ...input.labels };
  return spec;
}

function namespaces(net: SpecInput['network']): OciNamespace[] {
  const ns: OciNamespace[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (net.mode === 'none') ns.push({ type: 'network' });
  else if (net.mode === 'netns') ns.push({ type: 'network', path: net.path });
  return ns;
}

function buildMounts(input: SpecInput): OciMount[] {
  // A user mount over a default one replaces it (Docker: --tmpfs /dev/shm, -v /x:/dev/shm...).
  const userDest = new Set([...Object.keys(input.tmpfs), ...input.binds.map((b) => b.destination)].map(cleanPath));
  const mounts = defaultMounts({ privileged: input.privileged, shmSize: input.shmSize ?? DEFAULT_SHM_SIZE })
    .filter((m) => !userDest.has(m.destination));
  const bind = (source: string, destination: string, ro: boolean, propagation = 'rprivate'): OciMount =>
    ({ destination, type: 'bind', source, options: ['rbind', ro ? 'ro' : 'rw', propagation] });
  const etc: [string | undefined, string][] = [
    [input.etcFiles.resolvConf, '/etc/resolv.conf'], [input.etcFiles.hostname, '/etc/hostname'], [input.etcFiles.hosts, '/etc/hosts'],
  ];
  for (const [src, dest] of etc) if (src && !userDest.has(dest)) mounts.push(bind(src, dest, input.readonlyRootfs));
  if (input.init) mounts.push(bind(input.init, INIT_PATH, true));
  for (const [dest, opts] of Object.entries(input.tmpfs)) {
    if (!dest.startsWith('/')) throw invalidArgument(`invalid mount path: '${dest}' mount path must be absolute`);
    mounts.push({ destination: cleanPath(dest), type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(opts) });
  }
  for (const b of input.binds) {
    if (!b.destination.startsWith('/')) throw invalidArgument(`invalid mount path: '${b.destination}' mount path must be absolute`);
    mounts.push(bind(b.source, cleanPath(b.destination), b.readonly, b.propagation || 'rprivate'));
  }
  return mounts;
}

function cleanPath(p: string): string {
  const c = p.replace(/\/+/g, '/').replace(/\/$/, '');
  return c === '' ? '/' : c;
}
