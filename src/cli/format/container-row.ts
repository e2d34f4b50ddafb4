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

function formatPort(p: Port): string {
  if (!p.PublicPort) return `${p.PrivatePort}/${p.Type}`;
  const ip = p.IP?.includes(':') ? `[${p.IP}]` : (p.IP ?? '');
  return `${ip}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`;
}

export function displayPorts(ports: readonly Port[] | undefined): string {
  if (!ports?.length) return '';
  const sorted = [...ports].sort((a, b) => (a.PrivatePort - b.PrivatePort) || (a.PublicPort ?? 0) - (b.PublicPort ?? 0));
  return [...new Set(sorted.map(formatPort))].join(', ');
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
