/** The volume driver seam (moby daemon/volume/volume.go Driver + Volume), and what a driver knows of a volume. */

export interface VolumeRecord {
  name: string;
  driver: string;
  /** Host path of the volume's data (what containers bind-mount). */
  mountpoint: string;
  createdAt: Date;
  labels: Record<string, string>;
  /** Driver options given at creation (local: type/device/o). */
  options: Record<string, string>;
  scope: 'local' | 'global';
}

export interface VolumeDriver {
  readonly name: string;
  create(name: string, opts: Record<string, string>, o?: { labels?: Record<string, string> }): Promise<VolumeRecord>;
  get(name: string): Promise<VolumeRecord>;
  list(): Promise<VolumeRecord[]>;
  remove(name: string): Promise<void>;
  /** Makes the volume usable for `ref` (a container id) and returns its host path; ref-counted. */
  mount(name: string, ref: string): Promise<string>;
  unmount(name: string, ref: string): Promise<void>;
}
