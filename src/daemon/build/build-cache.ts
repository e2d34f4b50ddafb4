/**
 * The build cache as the Engine API shows it (`system df` BuildCache, `POST /build/prune`): the classic builder's
 * step images that no tag names ("regular" records) and the RUN --mount cache directories ("exec.cachemount").
 */
import { invalidArgument } from '../../lib/index.ts';
import { parseUntil, type BuildCacheEntry } from '../../image/index.ts';
import type { CacheMountStore } from './cache-mounts.ts';

/** One BuildCache record of `GET /system/df`. */
export interface BuildCacheRecord {
  ID: string;
  Parents: string[] | null;
  Type: 'regular' | 'exec.cachemount';
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string | null;
  UsageCount: number;
}

export interface BuildCacheImages {
  buildCache(): Promise<BuildCacheEntry[]>;
  pruneBuildCache(o: { all?: boolean; keep?: (createdAt: string) => boolean }): Promise<{ deleted: string[]; reclaimed: number }>;
}

/** dockerd accepts `label`/`label!` here and ignores them (build cache records have no labels); so does Berth. */
const PRUNE_FILTERS = ['until', 'unused-for', 'label', 'label!'];

export class BuildCache {
  private readonly images: BuildCacheImages;
  private readonly cacheMounts: CacheMountStore;

  constructor(o: { images: BuildCacheImages; cacheMounts: CacheMountStore }) {
    this.images = o.images;
    this.cacheMounts = o.cacheMounts;
  }

  async usage(): Promise<BuildCacheRecord[]> {
    const images = (await this.images.buildCache()).map((e): BuildCacheRecord => ({
      ID: e.id.replace(/^sha256:/, ''), Parents: null, Type: 'regular', Description: e.description, InUse: e.inUse,
      Shared: e.shared, Size: e.size, CreatedAt: e.createdAt, LastUsedAt: null, UsageCount: 0,
    }));
    const mounts = (await this.cacheMounts.list()).map((c): BuildCacheRecord => ({
      ID: c.key.slice(0, 25), Parents: null, Type: 'exec.cachemount', Description: `cached mount with id ${JSON.stringify(c.id)}`,
      InUse: c.inUse, Shared: false, Size: c.size, CreatedAt: c.createdAt, LastUsedAt: c.lastUsedAt, UsageCount: c.usageCount,
    }));
    return [...images, ...mounts];
  }

  /** `POST /build/prune`: `all` also drops the cache of tagged images; `until`/`unused-for` keep newer entries. */
  async prune(o: { all: boolean; filters: Map<string, string[]> }): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    for (const k of o.filters.keys()) if (!PRUNE_FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    const until = [...(o.filters.get('until') ?? []), ...(o.filters.get('unused-for') ?? [])].map(parseUntil);
    const keep = (time: string) => until.some((u) => Date.parse(time) >= u);
    const mounts = await this.cacheMounts.prune((c) => keep(c.lastUsedAt));
    const images = await this.images.pruneBuildCache({ all: o.all, keep });
    return {
      CachesDeleted: [...images.deleted.map((id) => id.replace(/^sha256:/, '')), ...mounts.map((m) => m.key.slice(0, 25))],
      SpaceReclaimed: images.reclaimed + mounts.reduce((n, m) => n + m.size, 0),
    };
  }
}
