/**
 * Runtime failures at start, worded as dockerd reports them. The runtime already words the process error the
 * way Docker does (the CLI picks its exit code from that text: 127 for a missing executable, 126 when it cannot
 * be run); dockerd prefixes it with the task it was creating.
 */
import { EngineError, errorKind } from '../../lib/index.ts';
import { ProcessStartError } from '../../runtime/index.ts';

export function normalizeStartError(err: unknown): { error: Error; message: string; exitCode: number } {
  if (err instanceof ProcessStartError) {
    const message = `failed to create task for container: ${err.message}`;
    return { error: new EngineError(err.kind, message, { cause: err }), message, exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  const error = err instanceof EngineError ? err : new EngineError(errorKind(err), message, { cause: err });
  return { error, message, exitCode: 128 };
}
