/** What every command module exports: its flags, usage text and a run function returning the exit code. */
import type { Readable, Writable } from 'node:stream';
import type { EngineClient } from '../client/engine-client.ts';
import type { FlagSpec } from './flags/flag-spec.ts';
import type { ParsedFlags } from './flags/parse-flags.ts';

export interface CliContext {
  /** The Engine API client, created on first use. */
  client(): EngineClient;
  readonly stdin: Readable & { isTTY?: boolean; fd?: number };
  readonly stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  /** "berth stop" or "berth container stop", as the user typed it. */
  readonly commandPath: string;
}

export interface ArgsRule {
  min?: number;
  max?: number;
}

export interface CommandDefinition {
  /** "[OPTIONS] CONTAINER [CONTAINER...]" */
  readonly usage: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  /** false: flags after the first positional belong to the container command (run, create, exec). */
  readonly interspersed?: boolean;
  readonly args?: ArgsRule;
  /** docker run/create exit 125 when the CLI or daemon fails (not the container). */
  readonly failureExitCode?: number;
  run(ctx: CliContext, flags: ParsedFlags): Promise<number>;
}

/** An error with the exit status the CLI should end with; an empty message prints nothing. */
export class StatusError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'StatusError';
    this.exitCode = exitCode;
  }
}
