/** What the converge engine needs from its caller: the Engine API client, a progress sink, a context packer. */
import type { Readable } from 'node:stream';
import type { EngineClient } from '../client/index.ts';

/** Packs a build context directory as a tar (the CLI passes its .dockerignore-aware packer). */
export type ContextPacker = (dir: string, dockerfile: string) => Promise<{ stream: Readable; dockerfile: string; done: Promise<void> }>;

export interface ComposeContext {
  readonly client: EngineClient;
  /** One line of progress, as docker compose writes " Container wp-db-1  Started" to stderr. */
  progress(line: string): void;
  /** Build output (the daemon's stream lines). */
  buildOutput?(text: string): void;
  readonly packContext?: ContextPacker;
  readonly signal?: AbortSignal;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID?: string;
  Command?: string;
  Created?: number;
  State: string;
  Status: string;
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  Labels: Record<string, string>;
}
