/** conmon's exit file (<exitDir>/<id>: the exit status as decimal text) and pid liveness. */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../lib/errdefs.ts';

export async function readExitFile(exitDir: string, id: string): Promise<number | undefined> {
  try {
    const text = (await readFile(join(exitDir, id), 'utf8')).trim();
    if (text === '') return undefined;   // conmon writes it whole (g_file_set_contents renames), but be safe
    const n = Number.parseInt(text, 10);
    return Number.isNaN(n) ? undefined : n;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
  // A zombie (exited, not yet reaped by its parent) still answers kill(0).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
