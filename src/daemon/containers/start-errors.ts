/**
 * Runtime failures at start, rephrased the way dockerd reports them: the docker CLI picks its exit code from the
 * text ("executable file not found" or "no such file or directory" → 127, "permission denied" → 126).
 */
import { EngineError, errorKind, invalidArgument } from '../../lib/index.ts';

export function normalizeStartError(err: unknown): { error: Error; message: string; exitCode: number } {
  const raw = err instanceof Error ? err.message : String(err);
  const notFound = /executable file [`'"]?([^`'"]+?)[`'"]? not found/i.exec(raw) ?? /exec: "([^"]+)": executable file not found/.exec(raw);
  if (notFound) {
    const msg = `failed to create task for container: OCI runtime create failed: unable to start container process: exec: "${notFound[1]}": executable file not found in $PATH: unknown`;
    return { error: invalidArgument(msg, { cause: err }), message: msg, exitCode: 127 };
  }
  if (/no such file or directory|ENOENT/i.test(raw) && /exec|open|stat/i.test(raw)) {
    const msg = `failed to create task for container: OCI runtime create failed: unable to start container process: ${raw.toLowerCase().includes('no such file') ? raw.replace(/No such file or directory/g, 'no such file or directory') : raw}: unknown`;
    return { error: invalidArgument(msg, { cause: err }), message: msg, exitCode: 127 };
  }
  if (/permission denied|EACCES/i.test(raw)) {
    const msg = `failed to create task for container: OCI runtime create failed: unable to start container process: ${raw.replace(/Permission denied/g, 'permission denied')}: unknown`;
    return { error: invalidArgument(msg, { cause: err }), message: msg, exitCode: 126 };
  }
  const error = err instanceof EngineError ? err : new EngineError(errorKind(err), raw, { cause: err });
  return { error, message: raw, exitCode: 128 };
}
