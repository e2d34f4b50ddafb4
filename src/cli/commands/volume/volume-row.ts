/** The fields docker's volume formatter offers to `volume ls --format`. */
export interface VolumeSummary {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Scope: string;
  Labels: Record<string, string> | null;
  CreatedAt?: string;
  UsageData?: { Size: number; RefCount: number } | null;
}

export const VOLUME_HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE', Label: 'LABEL',
};

export const DEFAULT_VOLUME_TABLE = '{{.Driver}}\t{{.Name}}';

export class VolumeRow {
  private readonly v: VolumeSummary;

  constructor(v: VolumeSummary) {
    this.v = v;
  }

  get Name(): string { return this.v.Name; }
  /** -q prints names: docker's quiet template for volumes is {{.Name}}, reached through ID here. */
  get ID(): string { return this.v.Name; }
  get Driver(): string { return this.v.Driver; }
  get Scope(): string { return this.v.Scope; }
  get Mountpoint(): string { return this.v.Mountpoint; }
  get Labels(): string { return Object.entries(this.v.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','); }
  get Links(): string { return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A'; }
  get Size(): string { return 'N/A'; }
  Label(name: string): string { return this.v.Labels?.[name] ?? ''; }
  toJSON(): Record<string, string> {
    return { Driver: this.Driver, Labels: this.Labels, Links: this.Links, Mountpoint: this.Mountpoint, Name: this.Name, Scope: this.Scope, Size: this.Size };
  }
}
