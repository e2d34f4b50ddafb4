/** The Snapshotter seam (containerd core/snapshots): snapshots are directories; mounts are returned as data. */
import type { Labels } from '../oci/index.ts';

export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

export const SnapshotKind = { active: 'active', view: 'view', committed: 'committed' } as const;
export type SnapshotKind = (typeof SnapshotKind)[keyof typeof SnapshotKind];

export interface SnapshotInfo {
  /** The key (active/view) or name (committed). */
  name: string;
  kind: SnapshotKind;
  parent?: string;
  labels: Labels;
  created: Date;
  updated: Date;
}

export interface Usage {
  /** Bytes used by this snapshot's own directory (regular files and symlinks, hardlinks counted once). */
  size: number;
  inodes: number;
}

export interface Snapshotter {
  stat(key: string): Promise<SnapshotInfo>;
  usage(key: string): Promise<Usage>;
  mounts(key: string): Promise<Mount[]>;
  /** An active, writable snapshot on top of parent (a committed snapshot). */
  prepare(key: string, parent?: string, o?: { labels?: Labels }): Promise<Mount[]>;
  /** An active, read-only snapshot of parent. */
  view(key: string, parent: string, o?: { labels?: Labels }): Promise<Mount[]>;
  /** Turns the active snapshot `key` into the committed snapshot `name`. */
  commit(name: string, key: string, o?: { labels?: Labels }): Promise<void>;
  remove(key: string): Promise<void>;
  walk(fn: (i: SnapshotInfo) => Promise<void>): Promise<void>;
}
