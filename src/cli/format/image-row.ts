/** The fields docker's image formatter offers to `images --format`, and its expansion of one image into rows. */
import type { ImageSummary } from '../../client/types.ts';
import { goTimeString, humanSize, humanSizeWithPrecision, timeAgo } from './units.ts';
import { truncateId } from './container-row.ts';

export const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE', VirtualSize: 'VIRTUAL SIZE',
};

export const DEFAULT_IMAGES_TABLE = '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const DEFAULT_IMAGES_DIGEST_TABLE = '{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

const NONE = '<none>';

/** "repo:tag" → [repo, tag]; the tag separator is the last ':' after the last '/'. */
export function splitRepoTag(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, ''];
}

export class ImageRow {
  readonly Repository: string;
  readonly Tag: string;
  readonly Digest: string;
  private readonly image: ImageSummary;
  private readonly trunc: boolean;
  private readonly now: number;

  constructor(image: ImageSummary, o: { repository: string; tag: string; digest: string; trunc: boolean; now?: number }) {
    this.image = image;
    this.Repository = o.repository;
    this.Tag = o.tag;
    this.Digest = o.digest;
    this.trunc = o.trunc;
    this.now = o.now ?? Date.now();
  }

  get ID(): string {
    return this.trunc ? truncateId(this.image.Id) : this.image.Id;
  }
  get CreatedSince(): string {
    return this.image.Created > 0 ? timeAgo(this.image.Created, this.now) : 'N/A';
  }
  get CreatedAt(): string {
    return goTimeString(new Date(this.image.Created * 1000));
  }
  get Size(): string {
    return humanSizeWithPrecision(this.image.Size, 3);
  }
  get VirtualSize(): string {
    return humanSize(this.image.VirtualSize ?? this.image.Size);
  }
  get SharedSize(): string {
    const s = this.image.SharedSize ?? -1;
    return s < 0 ? 'N/A' : humanSizeWithPrecision(s, 3);
  }
  get UniqueSize(): string {
    const s = this.image.SharedSize ?? -1;
    return s < 0 ? 'N/A' : humanSizeWithPrecision(this.image.Size - s, 3);
  }
  get Containers(): string {
    const n = this.image.Containers ?? -1;
    return n < 0 ? 'N/A' : String(n);
  }

  toJSON(): Record<string, unknown> {
    return {
      Containers: this.Containers, CreatedAt: this.CreatedAt, CreatedSince: this.CreatedSince, Digest: this.Digest,
      ID: this.ID, Repository: this.Repository, SharedSize: this.SharedSize, Size: this.Size, Tag: this.Tag,
      UniqueSize: this.UniqueSize, VirtualSize: this.VirtualSize,
    };
  }
}

/** One row per repository:tag (and per untagged digest), "<none>" where absent (docker imageFormat). */
export function imageRows(images: readonly ImageSummary[], o: { trunc: boolean; digests: boolean; now?: number }): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const image of images) {
    const tagsByRepo = new Map<string, string[]>();
    const digestsByRepo = new Map<string, string[]>();
    for (const ref of image.RepoTags ?? []) {
      if (ref === '<none>:<none>') continue;
      const [repo, tag] = splitRepoTag(ref);
      tagsByRepo.set(repo, [...(tagsByRepo.get(repo) ?? []), tag]);
    }
    for (const ref of image.RepoDigests ?? []) {
      const at = ref.indexOf('@');
      if (at < 0 || ref.startsWith('<none>')) continue;
      const repo = ref.slice(0, at);
      digestsByRepo.set(repo, [...(digestsByRepo.get(repo) ?? []), ref.slice(at + 1)]);
    }
    const row = (repository: string, tag: string, digest: string) =>
      rows.push(new ImageRow(image, { repository, tag, digest, trunc: o.trunc, now: o.now }));
    if (tagsByRepo.size === 0 && digestsByRepo.size === 0) {
      row(NONE, NONE, NONE);
      continue;
    }
    for (const [repo, tags] of tagsByRepo) {
      const digests = digestsByRepo.get(repo) ?? [];
      for (const tag of tags) row(repo, tag, o.digests && digests.length === 1 ? digests[0] : NONE);
    }
    for (const [repo, digests] of digestsByRepo) {
      if (tagsByRepo.has(repo)) continue;
      if (o.digests) for (const d of digests) row(repo, NONE, d);
      else row(repo, NONE, digests[0]);
    }
  }
  return rows;
}
