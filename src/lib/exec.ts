/**
 * The one way Berth runs subprocesses (crun, runc, ip, nft...): argv arrays, never a shell; stderr captured
 * into the error; an AbortSignal kills the child. Children start through posix_spawn (lib/spawn.ts).
 */
import { EngineError, type ErrorKind } from './errdefs.ts';
import { spawnChild } from './spawn.ts';

export interface ExecResult { stdout: string; stderr: string; code: number }

export interface ExecOptions {
  signal?: AbortSignal;
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Do not throw on a non-zero exit; return the code instead. */
  allowFailure?: boolean;
  /** Kind of the EngineError thrown on failure (default 'internal'). */
  errorKind?: ErrorKind;
}

export function execFile(file: string, args: readonly string[], o: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(abortError(o.signal));
    let child;
    try {
      child = spawnChild(file, args, { env: o.env, cwd: o.cwd });
    } catch (e) {
      return reject(new EngineError(o.errorKind ?? 'internal', `${file}: ${(e as Error).message}`, { cause: e }));
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onAbort = () => child.kill('SIGKILL');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    for (const s of child.stdio) s?.on('error', () => {}); // EPIPE when the child does not read its input
    child.on('close', (code: number | null, sig: NodeJS.Signals | null) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) return reject(abortError(o.signal));
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      const rc = code ?? 128 + (sig ? 9 : 0);
      if (rc !== 0 && !o.allowFailure) {
        const msg = (stderr.trim() || stdout.trim() || `exit status ${rc}`).split('\n').slice(-5).join('\n');
        reject(new EngineError(o.errorKind ?? 'internal', `${basename(file)} ${args[0] ?? ''}: ${msg}`));
        return;
      }
      resolve({ stdout, stderr, code: rc });
    });
    if (o.input !== undefined) child.stdin!.end(o.input);
    else child.stdin!.end();
  });
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
