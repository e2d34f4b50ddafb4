/** Pure rules for turning a create request plus the image's config into a container's effective config. */
import { invalidArgument } from '../../lib/index.ts';
import type { ContainerConfig, CreateRequest, HostConfig } from '../../api/types/index.ts';

/** The image config fields that create merges (a subset of the OCI/Docker image config's `config`). */
export interface ImageRuntimeConfig {
  User?: string;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: object | null;
  Shell?: string[] | null;
  OnBuild?: string[] | null;
}

function strList(v: string[] | string | null | undefined): string[] | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? [v] : v;
}

/** Env from the image, overridden key by key by the request's (Docker's ReplaceOrAppendEnvValues). */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const out = [...base];
  const keyOf = (kv: string) => (kv.includes('=') ? kv.slice(0, kv.indexOf('=')) : kv);
  for (const kv of overrides) {
    const k = keyOf(kv);
    const i = out.findIndex((x) => keyOf(x) === k);
    if (!kv.includes('=')) {
      // "KEY" alone removes the variable, as in Docker.
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = kv;
    else out.push(kv);
  }
  return out;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface MergedConfig { config: ContainerConfig; path: string; args: string[] }

/**
 * Docker's merge (daemon/create.go + container/config): the request's Entrypoint/Cmd replace the image's;
 * an Entrypoint given without Cmd drops the image's Cmd. Env and labels merge, the request winning.
 */
export function mergeConfig(req: CreateRequest, image: ImageRuntimeConfig, imageRef: string): MergedConfig {
  const reqEntrypoint = strList(req.Entrypoint);
  const reqCmd = strList(req.Cmd);
  let entrypoint = strList(image.Entrypoint) ?? [];
  let cmd = strList(image.Cmd) ?? [];
  if (reqEntrypoint !== null) {
    entrypoint = reqEntrypoint.length === 1 && reqEntrypoint[0] === '' ? [] : reqEntrypoint;
    cmd = [];
  }
  if (reqCmd !== null && reqCmd.length > 0) cmd = reqCmd;
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) throw invalidArgument('no command specified');

  let env = mergeEnv(image.Env ?? [], req.Env ?? []);
  if (!env.some((e) => e.startsWith('PATH='))) env = [DEFAULT_PATH, ...env];

  const config: ContainerConfig = {
    Hostname: req.Hostname ?? '',
    Domainname: req.Domainname ?? '',
    User: req.User || image.User || '',
    AttachStdin: req.AttachStdin ?? false,
    AttachStdout: req.AttachStdout ?? false,
    AttachStderr: req.AttachStderr ?? false,
    ExposedPorts: { ...(image.ExposedPorts ?? {}), ...(req.ExposedPorts ?? {}) },
    Tty: req.Tty ?? false,
    OpenStdin: req.OpenStdin ?? false,
    StdinOnce: req.StdinOnce ?? false,
    Env: env,
    Cmd: cmd.length ? cmd : null,
    Image: imageRef,
    Volumes: { ...(image.Volumes ?? {}), ...(req.Volumes ?? {}) },
    WorkingDir: req.WorkingDir || image.WorkingDir || '',
    Entrypoint: entrypoint.length ? entrypoint : null,
    OnBuild: null,
    Labels: { ...(image.Labels ?? {}), ...(req.Labels ?? {}) },
    StopSignal: req.StopSignal || image.StopSignal || undefined,
    StopTimeout: req.StopTimeout ?? undefined,
    Healthcheck: req.Healthcheck ?? image.Healthcheck ?? undefined,
  };
  if (!config.ExposedPorts || Object.keys(config.ExposedPorts).length === 0) delete config.ExposedPorts;
  if (config.Volumes && Object.keys(config.Volumes).length === 0) config.Volumes = null;
  if (config.StopSignal === undefined) delete config.StopSignal;
  if (config.StopTimeout === undefined) delete config.StopTimeout;
  if (config.Healthcheck === undefined) delete config.Healthcheck;
  return { config, path: argv[0], args: argv.slice(1) };
}

/** Fills HostConfig defaults as dockerd reports them in inspect. */
export function normalizeHostConfig(h: HostConfig | undefined): HostConfig {
  const hc: HostConfig = { ...(h ?? {}) };
  if (!hc.NetworkMode || hc.NetworkMode === 'default') hc.NetworkMode = 'bridge';
  hc.RestartPolicy ??= { Name: 'no', MaximumRetryCount: 0 };
  if (!hc.RestartPolicy.Name) hc.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };
  hc.LogConfig ??= { Type: 'json-file', Config: {} };
  if (!hc.LogConfig.Type) hc.LogConfig.Type = 'json-file';
  hc.Binds ??= null;
  hc.CapAdd ??= null;
  hc.CapDrop ??= null;
  hc.Privileged ??= false;
  hc.ReadonlyRootfs ??= false;
  hc.AutoRemove ??= false;
  hc.ShmSize = hc.ShmSize || 64 * 1024 * 1024;
  hc.IpcMode ||= 'private';
  hc.CgroupnsMode ||= 'host';
  hc.PidMode ??= '';
  hc.ConsoleSize ??= [0, 0];
  hc.Isolation ??= '';
  return hc;
}

export function validateRestartPolicy(hc: HostConfig): void {
  const p = hc.RestartPolicy;
  if (!p) return;
  const ok = ['', 'no', 'always', 'unless-stopped', 'on-failure'];
  if (!ok.includes(p.Name)) throw invalidArgument(`invalid restart policy: unknown policy '${p.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  if (p.Name !== 'on-failure' && (p.MaximumRetryCount ?? 0) > 0) {
    throw invalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
}
