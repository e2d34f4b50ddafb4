/** A service replica as a POST /containers/create body: the compose model mapped onto Config + HostConfig. */
import { posix } from 'node:path';
import type { Project, Service } from './model.ts';
import { COMPOSE_VERSION, L } from './labels.ts';
import { bytes, durationNs } from './units.ts';

export interface ReplicaIdentity {
  number: number;
  image: string;
  imageId?: string;
  hash: string;
  oneoff?: boolean;
  /** network_mode "service:x" resolved to a container id. */
  networkModeContainer?: string;
}

export function composeLabels(p: Project, s: Service, r: ReplicaIdentity): Record<string, string> {
  return {
    ...s.labels,
    [L.project]: p.name,
    [L.service]: s.name,
    [L.number]: String(r.number),
    [L.oneoff]: r.oneoff ? 'True' : 'False',
    [L.hash]: r.hash,
    [L.workingDir]: p.workingDir,
    [L.configFiles]: p.configFiles.join(','),
    [L.version]: COMPOSE_VERSION,
    [L.dependsOn]: Object.entries(s.depends_on).map(([n, d]) => `${n}:${d.condition}:${d.restart ? 'true' : 'false'}`).join(','),
    ...(r.imageId ? { [L.image]: r.imageId } : {}),
  };
}

function restartPolicy(s: Service): { Name: string; MaximumRetryCount?: number } | undefined {
  const rp = s.deploy?.restart_policy;
  if (rp) {
    const name = rp.condition === 'none' ? 'no' : rp.condition === 'on-failure' ? 'on-failure' : 'always';
    return { Name: name, ...(rp.max_attempts ? { MaximumRetryCount: rp.max_attempts } : {}) };
  }
  if (!s.restart) return undefined;
  const [name, max] = s.restart.split(':');
  return { Name: name, ...(max ? { MaximumRetryCount: Number(max) } : {}) };
}

function networkMode(p: Project, s: Service, r: ReplicaIdentity): string {
  if (s.network_mode) return s.network_mode.startsWith('service:') ? `container:${r.networkModeContainer}` : s.network_mode;
  const first = primaryNetwork(s);
  return first ? p.networks[first].name : 'none';
}

/** The network the container is created on; the others are connected before start. */
export function primaryNetwork(s: Service): string | undefined {
  return Object.entries(s.networks).sort(([a, x], [b, y]) => (y?.priority ?? 0) - (x?.priority ?? 0) || a.localeCompare(b))[0]?.[0];
}

export function endpointConfig(s: Service, network: string, containerName: string): Record<string, unknown> {
  const n = s.networks[network];
  return {
    Aliases: [...new Set([containerName, s.name, ...(n?.aliases ?? [])])],
    ...(n?.ipv4_address || n?.ipv6_address ? { IPAMConfig: { ...(n.ipv4_address ? { IPv4Address: n.ipv4_address } : {}), ...(n.ipv6_address ? { IPv6Address: n.ipv6_address } : {}) } } : {}),
  };
}

function mounts(p: Project, s: Service): { Binds: string[]; Mounts: Record<string, unknown>[] } {
  const Binds: string[] = [];
  const Mounts: Record<string, unknown>[] = [];
  for (const v of s.volumes) {
    if (v.type === 'bind' && v.bind?.create_host_path) Binds.push(`${v.source}:${v.target}${v.read_only ? ':ro' : ''}`);
    else if (v.type === 'bind') Mounts.push({ Type: 'bind', Source: v.source, Target: v.target, ReadOnly: !!v.read_only });
    else if (v.type === 'tmpfs') Mounts.push({ Type: 'tmpfs', Target: v.target, TmpfsOptions: { ...(v.tmpfs?.size !== undefined ? { SizeBytes: bytes(v.tmpfs.size) } : {}), ...(v.tmpfs?.mode !== undefined ? { Mode: v.tmpfs.mode } : {}) } });
    else Mounts.push({ Type: 'volume', ...(v.source ? { Source: p.volumes[v.source].name } : {}), Target: v.target, ReadOnly: !!v.read_only, ...(v.volume?.nocopy ? { VolumeOptions: { NoCopy: true } } : {}) });
  }
  // secrets and configs from files: read-only binds at /run/secrets/NAME and /NAME (or the given target)
  for (const ref of s.secrets) {
    const file = p.secrets[ref.source]?.file;
    if (file) Binds.push(`${file}:${posix.resolve('/run/secrets', ref.target ?? ref.source)}:ro`);
  }
  for (const ref of s.configs) {
    const file = p.configs[ref.source]?.file;
    if (file) Binds.push(`${file}:${posix.resolve('/', ref.target ?? ref.source)}:ro`);
  }
  return { Binds, Mounts };
}

function portBindings(s: Service, publish: boolean): { exposed: Record<string, object>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const e of s.expose) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  for (const port of s.ports) {
    const key = `${port.target}/${port.protocol}`;
    exposed[key] = {};
    if (!publish) continue;
    (bindings[key] ??= []).push({ HostIp: port.host_ip ?? '', HostPort: port.published ?? '' });
  }
  return { exposed, bindings };
}

function ulimits(s: Service): { Name: string; Soft: number; Hard: number }[] | undefined {
  if (!s.ulimits) return undefined;
  return Object.entries(s.ulimits).map(([Name, v]) => (typeof v === 'number' ? { Name, Soft: v, Hard: v } : { Name, Soft: v.soft, Hard: v.hard }));
}

function healthcheck(s: Service): Record<string, unknown> | undefined {
  const h = s.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { Test: ['NONE'] };
  return {
    ...(h.test ? { Test: h.test } : {}),
    ...(h.interval ? { Interval: durationNs(h.interval) } : {}),
    ...(h.timeout ? { Timeout: durationNs(h.timeout) } : {}),
    ...(h.start_period ? { StartPeriod: durationNs(h.start_period) } : {}),
    ...(h.start_interval ? { StartInterval: durationNs(h.start_interval) } : {}),
    ...(h.retries !== undefined ? { Retries: h.retries } : {}),
  };
}

export function containerCreateBody(p: Project, s: Service, name: string, r: ReplicaIdentity, o: { publishPorts?: boolean; command?: string[]; env?: Record<string, string> } = {}): Record<string, unknown> {
  const env = { ...s.environment, ...o.env };
  const { exposed, bindings } = portBindings(s, o.publishPorts ?? true);
  const limits = s.deploy?.resources?.limits;
  const cpus = limits?.cpus ?? (s.cpus as string | number | undefined);
  const memory = limits?.memory ?? (s.mem_limit as string | undefined);
  const primary = s.network_mode ? undefined : primaryNetwork(s);
  const nm = networkMode(p, s, r);
  return {
    Image: r.image,
    Cmd: o.command ?? s.command,
    Entrypoint: s.entrypoint,
    Env: Object.entries(env).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`),
    Labels: composeLabels(p, s, r),
    ExposedPorts: exposed,
    Hostname: s.hostname,
    Domainname: s.domainname,
    User: s.user,
    WorkingDir: s.working_dir,
    Tty: !!s.tty,
    OpenStdin: !!s.stdin_open,
    StopSignal: s.stop_signal,
    StopTimeout: s.stop_grace_period ? Math.round(durationNs(s.stop_grace_period)! / 1e9) : undefined,
    Healthcheck: healthcheck(s),
    HostConfig: {
      ...mounts(p, s),
      NetworkMode: nm,
      PortBindings: bindings,
      RestartPolicy: restartPolicy(s),
      ExtraHosts: s.extra_hosts.length ? s.extra_hosts : undefined,
      Init: s.init,
      CapAdd: s.cap_add,
      CapDrop: s.cap_drop,
      Privileged: !!s.privileged,
      ReadonlyRootfs: !!s.read_only,
      Tmpfs: s.tmpfs ? Object.fromEntries(s.tmpfs.map((t) => [t.split(':')[0], t.split(':')[1] ?? ''])) : undefined,
      Ulimits: ulimits(s),
      LogConfig: s.logging ? { Type: s.logging.driver ?? 'json-file', Config: s.logging.options ?? {} } : undefined,
      NanoCpus: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : undefined,
      Memory: bytes(memory),
      PidsLimit: limits?.pids,
    },
    NetworkingConfig: primary ? { EndpointsConfig: { [p.networks[primary].name]: endpointConfig(s, primary, name) } } : undefined,
  };
}
