/** What the /images routes need from the daemon (ImageService satisfies it structurally). */
import type { Readable } from 'node:stream';

export interface ImageDeleteItem { Untagged?: string; Deleted?: string }

export interface ImagesBackend {
  /** ImageSummary[] as in the Engine API. */
  list(o: { all?: boolean; filters?: Map<string, string[]>; digests?: boolean; sharedSize?: boolean }): Promise<object[]>;
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

/** Docker's AuthConfig as X-Registry-Auth (base64url JSON) and POST /auth carry it. */
export interface RegistryAuth {
  username?: string; password?: string; auth?: string; serveraddress?: string; identitytoken?: string; registrytoken?: string; email?: string;
}

/** One JSON progress message (moby jsonmessage.JSONMessage). */
export type ProgressWriter = (m: object) => void;

/** Pull, push, save, load and login: what the distribution routes need. */
export interface DistributionBackend {
  pull(fromImage: string, o: { tag?: string; platform?: string; auth?: RegistryAuth; progress: ProgressWriter; signal: AbortSignal }): Promise<void>;
  push(name: string, o: { tag?: string; auth?: RegistryAuth; progress: ProgressWriter; signal: AbortSignal }): Promise<void>;
  /** Resolves every name first (not-found before any byte), then returns the archive stream. */
  save(names: string[], o: { signal: AbortSignal }): Promise<Readable>;
  load(archive: Readable, o: { quiet: boolean; progress: ProgressWriter; signal: AbortSignal }): Promise<void>;
  login(auth: RegistryAuth, o: { signal: AbortSignal }): Promise<{ Status: string; IdentityToken?: string }>;
}
