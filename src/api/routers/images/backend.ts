/** What the /images routes need from the daemon (ImageService satisfies it structurally). */
import type { Readable } from 'node:stream';

export interface ImageDeleteItem { Untagged?: string; Deleted?: string }

export interface ImagesBackend {
  /** ImageSummary[] as in the Engine API. */
  list(o: { all?: boolean; filters?: Map<string, string[]>; digests?: boolean }): Promise<object[]>;
  /** ImageInspect; not-found kind with `No such image: <ref>`. */
  inspect(ref: string): Promise<object>;
  /** HistoryResponseItem[]. */
  history(ref: string): Promise<object[]>;
  importImage(tar: Readable, o: {
    repo?: string; tag?: string; changes?: string[]; message?: string; platform?: string; signal?: AbortSignal;
  }): Promise<{ id: string }>;
  tag(source: string, repo: string, tag?: string): Promise<void>;
  remove(ref: string, o: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]>;
  prune(o: { all?: boolean; filters?: Map<string, string[]> }): Promise<{ ImagesDeleted: ImageDeleteItem[] | null; SpaceReclaimed: number }>;
}
