/** The fields docker's network formatter offers to `network ls --format`. */
import { truncateId } from '../../format/container-row.ts';
import { goTimeString } from '../../format/units.ts';

export interface NetworkSummary {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  Internal: boolean;
  Labels: Record<string, string> | null;
}

export const NETWORK_HEADERS: Record<string, string> = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL',
  CreatedAt: 'CREATED AT', Labels: 'LABELS', Label: 'LABEL',
};

export const DEFAULT_NETWORK_TABLE = '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

export class NetworkRow {
  private readonly n: NetworkSummary;
  private readonly trunc: boolean;

  constructor(n: NetworkSummary, trunc: boolean) {
    this.n = n;
    this.trunc = trunc;
  }

  get ID(): string { return this.trunc ? truncateId(this.n.Id) : this.n.Id; }
  get Name(): string { return this.n.Name; }
  get Driver(): string { return this.n.Driver; }
  get Scope(): string { return this.n.Scope; }
  get IPv6(): string { return String(this.n.EnableIPv6); }
  get Internal(): string { return String(this.n.Internal); }
  get CreatedAt(): string { return goTimeString(new Date(this.n.Created)); }
  get Labels(): string { return Object.entries(this.n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','); }
  Label(name: string): string { return this.n.Labels?.[name] ?? ''; }
  toJSON(): Record<string, string> {
    return { CreatedAt: this.CreatedAt, Driver: this.Driver, ID: this.ID, IPv6: this.IPv6, Internal: this.Internal, Labels: this.Labels, Name: this.Name, Scope: this.Scope };
  }
}
