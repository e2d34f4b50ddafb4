/** Container records rendered in Docker's JSON shapes: inspect (GET /containers/{id}/json) and list (ps). */
import { humanDuration, invalidArgument } from '../../lib/index.ts';
import { NULL_TIME, type ContainerRecord } from './record.ts';
import { mountsView } from './mounts.ts';
import { networkSettingsView, networksView, summaryPorts } from './network-views.ts';

export function stateString(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.state;
  if (s.Status === 'running' || s.Status === 'paused') {
    const up = `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
    if (s.Status === 'paused') return `${up} (Paused)`;
    if (s.Health) return `${up} (${s.Health.Status === 'starting' ? 'health: starting' : s.Health.Status})`;
    return up;
  }
  if (s.Status === 'restarting') return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Status === 'dead') return 'Dead';
  if (s.StartedAt === NULL_TIME) return 'Created';
  if (s.FinishedAt === NULL_TIME) return '';
  return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
}

export function inspectView(rec: ContainerRecord, o: { sizeRw?: number; sizeRootFs?: number } = {}) {
  const s = rec.state;
  const view: Record<string, unknown> = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: s.Status,
      Running: s.Status === 'running' || s.Status === 'paused',
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: s.Pid,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
      ...(s.Health ? { Health: s.Health } : {}),
    },
    Image: rec.imageId,
    ResolvConfPath: rec.resolvConfPath,
    HostnamePath: rec.hostnamePath,
    HostsPath: rec.hostsPath,
    LogPath: rec.logPath,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: rec.hostConfig,
    GraphDriver: { Data: null, Name: 'overlay2' },
    Mounts: mountsView(rec.mounts),
    Config: rec.config,
    NetworkSettings: networkSettingsView(rec),
  };
  if (o.sizeRw !== undefined) view.SizeRw = o.sizeRw;
  if (o.sizeRootFs !== undefined) view.SizeRootFs = o.sizeRootFs;
  return view;
}

export function summaryView(rec: ContainerRecord, o: { sizeRw?: number; sizeRootFs?: number; now?: number } = {}) {
  const command = [rec.path, ...rec.args].map((a) => (/\s/.test(a) ? a : a)).join(' ');
  const view: Record<string, unknown> = {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: command,
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: summaryPorts(rec),
    Labels: rec.config.Labels ?? {},
    State: rec.state.Status,
    Status: stateString(rec, o.now),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode ?? 'bridge' },
    NetworkSettings: { Networks: networksView(rec) },
    Mounts: mountsView(rec.mounts),
  };
  if (o.sizeRw !== undefined) view.SizeRw = o.sizeRw;
  if (o.sizeRootFs !== undefined) view.SizeRootFs = o.sizeRootFs;
  return view;
}

const LIST_FILTERS = ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'before', 'since', 'network', 'volume', 'health', 'is-task', 'publish', 'expose'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** `ps` filtering (Docker's daemon/list.go rules). `resolveImage` maps an ancestor reference to an image id. */
export function listFilter(filters: Map<string, string[]>, o: {
  find: (ref: string) => ContainerRecord | undefined;
  imageIdsFor: (ref: string) => string[];
}): (rec: ContainerRecord) => boolean {
  for (const k of filters.keys()) if (!LIST_FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
  for (const s of filters.get('status') ?? []) {
    if (!STATUSES.includes(s)) throw invalidArgument(`invalid filter 'status=${s}'`);
  }
  const exited = (filters.get('exited') ?? []).map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidArgument(`invalid filter 'exited=${v}'`);
    return n;
  });
  const before = filters.get('before')?.map((r) => {
    const c = o.find(r);
    if (!c) throw invalidArgument(`No such container: ${r}`);
    return c.created;
  })[0];
  const since = filters.get('since')?.map((r) => {
    const c = o.find(r);
    if (!c) throw invalidArgument(`No such container: ${r}`);
    return c.created;
  })[0];
  const ancestors = filters.has('ancestor') ? new Set((filters.get('ancestor') ?? []).flatMap(o.imageIdsFor)) : undefined;
  const any = (key: string, pred: (v: string) => boolean) => {
    const vs = filters.get(key);
    return !vs || vs.length === 0 || vs.some(pred);
  };
  return (rec) => {
    const labels = rec.config.Labels ?? {};
    return (
      any('id', (v) => rec.id.startsWith(v)) &&
      any('name', (v) => new RegExp(v.replace(/^\//, '')).test(rec.name)) &&
      (filters.get('label') ?? []).every((v) => {
        const eq = v.indexOf('=');
        return eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1);
      }) &&
      any('status', (v) => v === rec.state.Status) &&
      (exited.length === 0 || (rec.state.Status === 'exited' && exited.includes(rec.state.ExitCode))) &&
      (!ancestors || ancestors.has(rec.imageId)) &&
      (!before || rec.created < before) &&
      (!since || rec.created > since) &&
      any('network', (v) => v in rec.endpoints || rec.hostConfig.NetworkMode === v) &&
      any('volume', (v) => (rec.mounts ?? []).some((m) => m.Name === v || m.Source === v || m.Destination === v)) &&
      any('is-task', (v) => v === 'false') &&
      any('health', (v) => (rec.state.Health?.Status ?? 'none') === v)
    );
  };
}
