/** The fields docker's container formatter offers to `ps --format` (cli/command/formatter/container.go). */
import type { ContainerSummary, Port } from '../../client/types.ts';
import { goTimeString, humanSizeWithPrecision, timeAgo } from './units.ts';

export const CONTAINER_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Ports: 'PORTS', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Label: 'LABEL',
  Mounts: 'MOUNTS', Networks: 'NETWORKS', State: 'STATE', LocalVolumes: 'LOCAL VOLUMES', Platform: 'PLATFORM',
};

export const DEFAULT_PS_TABLE = '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Shortens to `width` display characters, ending with … (docker formatter.Ellipsis). */
export function ellipsis(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  if (width <= 1) return chars.slice(0, width).join('');
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** Go's strconv.Quote for the characters commands usually contain. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

export function truncateId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function joinHostPort(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function formGroup(key: string, first: number, last: number): string {
  const slash = key.lastIndexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const type = slash >= 0 ? key.slice(slash + 1) : key;
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip) group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/**
 * docker's DisplayablePorts: ports sorted, unpublished (and same-number) ports grouped into ranges per type and IP,
 * then host mappings "ip:public->private/type".
 */
export function displayPorts(ports: readonly Port[] | undefined): string {
  if (!ports?.length) return '';
  const sorted = [...ports].sort(
    (a, b) => a.PrivatePort - b.PrivatePort || (a.IP ?? '').localeCompare(b.IP ?? '') || a.Type.localeCompare(b.Type) || (a.PublicPort ?? 0) - (b.PublicPort ?? 0),
  );
  const groups = new Map<string, { first: number; last: number }[]>();
  const hostMappings: string[] = [];
  for (const p of sorted) {
    let key = p.Type;
    if (p.IP) {
      if (p.PublicPort !== p.PrivatePort) {
        hostMappings.push(`${joinHostPort(p.IP, String(p.PublicPort ?? 0))}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const ranges = groups.get(key) ?? [];
    const tail = ranges[ranges.length - 1];
    if (tail && p.PrivatePort === tail.last + 1) tail.last = p.PrivatePort;
    else if (!tail || p.PrivatePort !== tail.last) ranges.push({ first: p.PrivatePort, last: p.PrivatePort });
    groups.set(key, ranges);
  }
  const result: string[] = [];
  for (const [key, ranges] of groups) for (const r of ranges) result.push(formGroup(key, r.first, r.last));
  return [...result, ...hostMappings].join(', ');
}

export class ContainerRow {
  private readonly c: ContainerSummary;
  private readonly trunc: boolean;
  private readonly now: number;

  constructor(c: ContainerSummary, o: { trunc: boolean; now?: number }) {
    this.c = c;
    this.trunc = o.trunc;
    this.now = o.now ?? Date.now();
  }

  get ID(): string {
    return this.trunc ? truncateId(this.c.Id) : this.c.Id;
  }
  get Names(): string {
    const names = (this.c.Names ?? [])
      .map((n) => n.replace(/^\//, ''))
      .filter((n) => !this.trunc || !n.includes('/'));
    return names.join(',');
  }
  get Image(): string {
    const image = this.c.Image;
    if (!image) return '<no image>';
    if (this.trunc && /^sha256:[0-9a-f]{64}$/.test(image)) return truncateId(image);
    if (this.trunc && image.includes('@')) return image.slice(0, image.indexOf('@'));
    return image;
  }
  get Command(): string {
    return goQuote(this.trunc ? ellipsis(this.c.Command ?? '', 20) : (this.c.Command ?? ''));
  }
  get CreatedAt(): string {
    return goTimeString(new Date(this.c.Created * 1000));
  }
  get RunningFor(): string {
    return timeAgo(this.c.Created, this.now);
  }
  get Ports(): string {
    return displayPorts(this.c.Ports);
  }
  get State(): string {
    return this.c.State;
  }
  get Status(): string {
    return this.c.Status;
  }
  get Size(): string {
    const rw = humanSizeWithPrecision(this.c.SizeRw ?? 0, 3);
    const rootFs = this.c.SizeRootFs ?? 0;
    return rootFs > 0 ? `${rw} (virtual ${humanSizeWithPrecision(rootFs, 3)})` : rw;
  }
  get Labels(): string {
    return Object.entries(this.c.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  }
  Label(name: string): string {
    return this.c.Labels?.[name] ?? '';
  }
  get Mounts(): string {
    return (this.c.Mounts ?? [])
      .map((m) => {
        const name = m.Name || m.Source || '';
        return this.trunc ? ellipsis(name, 15) : name;
      })
      .join(',');
  }
  get LocalVolumes(): string {
    return String((this.c.Mounts ?? []).filter((m) => m.Type === 'volume' || (m.Name && !m.Type)).length);
  }
  get Networks(): string {
    return Object.keys(this.c.NetworkSettings?.Networks ?? {}).sort().join(',');
  }
  get Platform(): null {
    return null;
  }

  /** What {{json .}} prints: every field, as docker marshals its formatter context. */
  toJSON(): Record<string, unknown> {
    return {
      Command: this.Command, CreatedAt: this.CreatedAt, ID: this.ID, Image: this.Image, Labels: this.Labels,
      LocalVolumes: this.LocalVolumes, Mounts: this.Mounts, Names: this.Names, Networks: this.Networks,
      Platform: this.Platform, Ports: this.Ports, RunningFor: this.RunningFor, Size: this.Size, State: this.State,
      Status: this.Status,
    };
  }
}
