/**
 * The flags `run` and `create` share and their translation into the POST /containers/create body
 * (Config + HostConfig + NetworkingConfig), as docker's cli/command/container/opts.go does.
 */
import { readFileSync } from 'node:fs';
import type { FlagSpec } from '../../flags/flag-spec.ts';
import { boolFlag, intFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import type { ParsedFlags } from '../../flags/parse-flags.ts';
import { ramInBytes } from '../../../lib/human.ts';

export const CONTAINER_FLAGS: readonly FlagSpec[] = [
  listFlag('add-host', undefined, 'Add a custom host-to-IP mapping (host:ip)'),
  listFlag('attach', 'a', 'Attach to STDIN, STDOUT or STDERR'),
  listFlag('cap-add', undefined, 'Add Linux capabilities'),
  listFlag('cap-drop', undefined, 'Drop Linux capabilities'),
  listFlag('dns', undefined, 'Set custom DNS servers'),
  stringFlag('entrypoint', undefined, 'Overwrite the default ENTRYPOINT of the image'),
  listFlag('env', 'e', 'Set environment variables'),
  listFlag('env-file', undefined, 'Read in a file of environment variables'),
  listFlag('expose', undefined, 'Expose a port or a range of ports'),
  stringFlag('hostname', 'h', 'Container host name'),
  boolFlag('init', undefined, 'Run an init inside the container that forwards signals and reaps processes'),
  boolFlag('interactive', 'i', 'Keep STDIN open even if not attached'),
  listFlag('label', 'l', 'Set meta data on a container'),
  stringFlag('memory', 'm', 'Memory limit', { valueName: 'bytes' }),
  stringFlag('name', undefined, 'Assign a name to the container'),
  stringFlag('network', undefined, 'Connect a container to a network', { valueName: 'network' }),
  stringFlag('net', undefined, 'Connect a container to a network', { hidden: true }),
  stringFlag('platform', undefined, 'Set platform if server is multi-platform capable'),
  boolFlag('privileged', undefined, 'Give extended privileges to this container'),
  listFlag('publish', 'p', "Publish a container's port(s) to the host"),
  stringFlag('pull', undefined, 'Pull image before running ("always", "missing", "never")', { default: 'missing' }),
  boolFlag('quiet', 'q', 'Suppress the pull output'),
  boolFlag('read-only', undefined, "Mount the container's root filesystem as read only"),
  stringFlag('restart', undefined, 'Restart policy to apply when a container exits', { default: 'no' }),
  boolFlag('rm', undefined, 'Automatically remove the container and its associated anonymous volumes when it exits'),
  stringFlag('stop-signal', undefined, 'Signal to stop the container'),
  intFlag('stop-timeout', undefined, 'Timeout (in seconds) to stop a container'),
  listFlag('tmpfs', undefined, 'Mount a tmpfs directory'),
  boolFlag('tty', 't', 'Allocate a pseudo-TTY'),
  stringFlag('user', 'u', 'Username or UID (format: <name|uid>[:<group|gid>])'),
  listFlag('volume', 'v', 'Bind mount a volume'),
  stringFlag('workdir', 'w', 'Working directory inside the container'),
];

export const RUN_ONLY_FLAGS: readonly FlagSpec[] = [
  boolFlag('detach', 'd', 'Run container in background and print container ID'),
  stringFlag('detach-keys', undefined, 'Override the key sequence for detaching a container'),
  boolFlag('sig-proxy', undefined, 'Proxy received signals to the process', { default: true }),
];

export interface CreateRequest {
  name?: string;
  platform?: string;
  image: string;
  config: Record<string, unknown> & { Tty: boolean; OpenStdin: boolean; AttachStdin: boolean; AttachStdout: boolean; AttachStderr: boolean };
  hostConfig: Record<string, unknown> & { AutoRemove: boolean };
  /** The POST /containers/create body: Config fields at the top level plus HostConfig and NetworkingConfig. */
  body: Record<string, unknown>;
}

/** KEY=VALUE; a bare KEY takes the local value when set (docker opts.ValidateEnv). */
function resolveEnv(entry: string, env: NodeJS.ProcessEnv): string | undefined {
  if (entry.includes('=')) return entry;
  return env[entry] !== undefined ? `${entry}=${env[entry]}` : entry;
}

export function readEnvFile(path: string, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) continue;
    if (line.includes('=')) {
      const eq = line.indexOf('=');
      const key = line.slice(0, eq);
      if (/\s/.test(key)) throw new Error(`variable '${key}' contains whitespaces`);
      out.push(line);
    } else if (env[line.trim()] !== undefined) {
      out.push(`${line.trim()}=${env[line.trim()]}`);
    }
  }
  return out;
}

export function parseRestart(policy: string): { Name: string; MaximumRetryCount: number } {
  const [name, count] = policy.split(':');
  if (!['no', 'always', 'unless-stopped', 'on-failure', ''].includes(name)) {
    throw new Error(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if (count !== undefined && name !== 'on-failure') throw new Error(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  return { Name: name || 'no', MaximumRetryCount: count ? Number(count) : 0 };
}

/** "[ip:][hostPort:]containerPort[/proto]" → exposed key and binding. */
export function parsePublish(spec: string): { key: string; binding: { HostIp: string; HostPort: string } } {
  const [ports, proto = 'tcp'] = spec.split('/');
  const parts = ports.startsWith('[') ? (/^\[([^\]]+)\]:(.*)$/.exec(ports)?.slice(1) ?? [ports]) : ports.split(':');
  let hostIp = '';
  let hostPort = '';
  let containerPort: string;
  if (ports.startsWith('[')) {
    hostIp = parts[0];
    const rest = (parts[1] ?? '').split(':');
    [hostPort, containerPort] = rest.length === 2 ? rest : ['', rest[0]];
  } else if (parts.length === 1) containerPort = parts[0];
  else if (parts.length === 2) [hostPort, containerPort] = parts;
  else [hostIp, hostPort, containerPort] = [parts.slice(0, -2).join(':'), parts[parts.length - 2], parts[parts.length - 1]];
  if (!/^\d+(-\d+)?$/.test(containerPort)) throw new Error(`invalid containerPort: ${containerPort}`);
  return { key: `${containerPort}/${proto}`, binding: { HostIp: hostIp, HostPort: hostPort } };
}

export function buildCreateRequest(flags: ParsedFlags, env: NodeJS.ProcessEnv, o: { detach: boolean }): CreateRequest {
  const [image, ...cmd] = flags.args;
  const attach = flags.list('attach').map((s) => s.toLowerCase());
  for (const a of attach) if (!['stdin', 'stdout', 'stderr'].includes(a)) throw new Error(`invalid argument "${a}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
  if (o.detach && attach.length) throw new Error('Conflicting options: -a and -d');
  const interactive = flags.bool('interactive');
  const attachStdin = attach.length ? attach.includes('stdin') : !o.detach && interactive;
  const attachStdout = attach.length ? attach.includes('stdout') : !o.detach;
  const attachStderr = attach.length ? attach.includes('stderr') : !o.detach;

  const envList = [
    ...flags.list('env-file').flatMap((f) => readEnvFile(f, env)),
    ...flags.list('env').map((e) => resolveEnv(e, env)).filter((e): e is string => e !== undefined),
  ];
  const labels: Record<string, string> = {};
  for (const l of flags.list('label')) {
    const eq = l.indexOf('=');
    labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of flags.list('volume')) {
    if (v.includes(':')) binds.push(v);
    else volumes[v] = {};
  }
  const tmpfs: Record<string, string> = {};
  for (const t of flags.list('tmpfs')) {
    const colon = t.indexOf(':');
    tmpfs[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? '' : t.slice(colon + 1);
  }
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const e of flags.list('expose')) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  for (const p of flags.list('publish')) {
    const { key, binding } = parsePublish(p);
    exposed[key] = {};
    (bindings[key] ??= []).push(binding);
  }
  const restart = parseRestart(flags.string('restart'));
  if (flags.bool('rm') && restart.Name !== 'no') throw new Error('Conflicting options: --restart and --rm');
  const network = flags.string('network') || flags.string('net') || 'default';

  const config = {
    Hostname: flags.string('hostname'),
    User: flags.string('user'),
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    Tty: flags.bool('tty'),
    OpenStdin: interactive,
    StdinOnce: interactive && attachStdin,
    Env: envList,
    Cmd: cmd.length ? cmd : null,
    Image: image,
    Volumes: Object.keys(volumes).length ? volumes : null,
    WorkingDir: flags.string('workdir'),
    Entrypoint: flags.changed('entrypoint') ? [flags.string('entrypoint')] : null,
    Labels: labels,
  } as CreateRequest['config'];
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;
  if (flags.string('stop-signal')) config.StopSignal = flags.string('stop-signal');
  if (flags.changed('stop-timeout')) config.StopTimeout = flags.int('stop-timeout');

  const hostConfig = {
    Binds: binds.length ? binds : null,
    NetworkMode: network,
    PortBindings: bindings,
    RestartPolicy: restart,
    AutoRemove: flags.bool('rm'),
    CapAdd: flags.list('cap-add').length ? flags.list('cap-add') : null,
    CapDrop: flags.list('cap-drop').length ? flags.list('cap-drop') : null,
    Dns: flags.list('dns'),
    ExtraHosts: flags.list('add-host').length ? flags.list('add-host') : null,
    Privileged: flags.bool('privileged'),
    ReadonlyRootfs: flags.bool('read-only'),
  } as CreateRequest['hostConfig'];
  if (flags.bool('init')) hostConfig.Init = true;
  if (Object.keys(tmpfs).length) hostConfig.Tmpfs = tmpfs;
  if (flags.string('memory')) hostConfig.Memory = ramInBytes(flags.string('memory'));

  const endpoints: Record<string, unknown> = {};
  if (!['default', 'bridge', 'host', 'none'].includes(network) && !network.startsWith('container:')) endpoints[network] = {};
  return {
    name: flags.string('name') || undefined,
    platform: flags.string('platform') || undefined,
    image,
    config,
    hostConfig,
    body: { ...config, HostConfig: hostConfig, NetworkingConfig: { EndpointsConfig: endpoints } },
  };
}
