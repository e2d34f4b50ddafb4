/**
 * A long-lived filter process (e.g. `xz -dc`) as a Duplex: bytes written go to its stdin, its stdout is
 * read back. A non-zero exit becomes a stream error carrying stderr. Argv arrays only, never a shell.
 */
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { EngineError, type ErrorKind } from './errdefs.ts';

export function filterProcess(file: string, args: readonly string[], o: { signal?: AbortSignal; errorKind?: ErrorKind } = {}): Duplex {
  const child = spawn(file, args, { signal: o.signal, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.stdin.on('error', () => {}); // EPIPE when the filter exits early; the exit status reports it
  child.on('error', (e) => duplex.destroy(new EngineError(o.errorKind ?? 'internal', `${file}: ${e.message}`, { cause: e })));
  child.on('close', (code) => {
    if (code === 0) return;
    const msg = Buffer.concat(stderr).toString().trim() || `exit status ${code}`;
    duplex.destroy(new EngineError(o.errorKind ?? 'internal', `${file}: ${msg}`));
  });
  duplex.on('close', () => { if (child.exitCode === null) child.kill(); });
  return duplex;
}
