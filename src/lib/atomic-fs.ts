/** Crash-safe writes of small mutable records: write a temp file, fsync it, rename over the target, fsync the dir. */
import { open, rename, rm, readFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoCode } from './errdefs.ts';

export async function writeFileAtomic(path: string, data: string | Uint8Array, o: { mode?: number; fsync?: boolean } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', o.mode ?? 0o600);
  try {
    await fh.writeFile(data);
    if (o.fsync !== false) await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (o.fsync !== false) await fsyncDir(dirname(path));
}

export async function writeJsonAtomic(path: string, value: unknown, o: { mode?: number; fsync?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value), o);
}

/** Reads JSON; undefined when the file does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}
