/**
 * The one way Berth runs subprocesses (crun, runc, conmon, ip, nft...): argv arrays, never a shell; stderr
 * captured into the error; an AbortSignal kills the child.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { EngineError, type ErrorKind } from './errdefs.ts';

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
  stdio?: SpawnOptions['stdio'];
}

export function execFile(file: string, args: readonly string[], o: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: o.env, cwd: o.cwd, signal: o.signal, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new EngineError(o.errorKind ?? 'internal', `${file}: ${e.message}`, { cause: e })));
    child.on('close', (code, sig) => {
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

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
