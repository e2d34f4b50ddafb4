/**
 * Errors from starting a process in a container, with Docker's exit-code semantics: 127 when the executable is
 * missing, 126 when it cannot be executed, 128 otherwise (moby daemon/start.go translateContainerdStartErr).
 */
import { readFile } from 'node:fs/promises';
import { EngineError } from '../lib/errdefs.ts';

export class ProcessStartError extends EngineError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(exitCode === 128 ? 'internal' : 'invalid-argument', message);
    this.exitCode = exitCode;
  }
}

/** The last error line of an OCI runtime's --log-format=json log ({"msg","level","time"} per line). */
export async function lastRuntimeError(logPath: string): Promise<string | undefined> {
  let text: string;
  try { text = await readFile(logPath, 'utf8'); } catch { return undefined; }
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as { msg?: string; level?: string };
      if (e.msg && (e.level === 'error' || e.level === 'fatal' || !e.level)) last = e.msg;
    } catch { last = line.trim(); }
  }
  return last;
}

/**
 * Normalise crun's and runc's wording to Docker's: 'exec: "foo": executable file not found in $PATH'.
 */
export function startError(verb: 'create' | 'start' | 'exec', raw: string): ProcessStartError {
  // runc already says "exec failed: ..."; keep Docker's single prefix.
  let msg = raw.trim().replace(/^exec failed: /, '');
  let exitCode = 128;
  const crunMissing = /executable file `([^`]*)` not found in \$PATH/.exec(msg);
  const crunNoEnt = /open executable|exec(?:vp?)? `([^`]*)`: No such file or directory|`([^`]*)`: No such file or directory/.exec(msg);
  if (crunMissing || /executable file not found/.test(msg)) {
    exitCode = 127;
    if (crunMissing) msg = `unable to start container process: exec: "${crunMissing[1]}": executable file not found in $PATH`;
  } else if (/no such file or directory/i.test(msg) && crunNoEnt) {
    exitCode = 127;
    const name = crunNoEnt[1] ?? crunNoEnt[2];
    if (name) msg = `unable to start container process: exec: "${name}": stat ${name}: no such file or directory`;
  } else if (/permission denied/i.test(msg)) {
    exitCode = 126;
  }
  const prefix = verb === 'exec' ? 'OCI runtime exec failed: exec failed: ' : `OCI runtime ${verb} failed: `;
  return new ProcessStartError(`${prefix}${msg}: unknown`, exitCode);
}
