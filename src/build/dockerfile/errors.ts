import { EngineError } from '../../lib/index.ts';

/** Lines of the Dockerfile an instruction spans (1-based, inclusive). */
export interface LineRange { start: number; end: number }

/**
 * A Dockerfile error with the lines it refers to. `message` is already in Docker's words, e.g.
 * `dockerfile parse error on line 3: unknown instruction: FORM (did you mean FROM?)` or
 * `failed to parse Dockerfile: unterminated heredoc`. `detail` is the bare cause without the prefix.
 */
export class DockerfileError extends EngineError {
  readonly location: LineRange | undefined;
  readonly detail: string;
  constructor(message: string, o: { location?: LineRange; detail?: string; cause?: unknown } = {}) {
    super('invalid-argument', message, { cause: o.cause });
    this.location = o.location;
    this.detail = o.detail ?? message;
  }
}

/** An error raised while reading one instruction; the stage splitter prefixes the line. */
export class InstructionError extends Error {
  readonly location: LineRange | undefined;
  constructor(message: string, location?: LineRange) {
    super(message);
    this.location = location;
  }
}
