/**
 * Persistent network namespaces: an empty file with the namespace bind-mounted on it (as `ip netns add`,
 * but in a directory of ours), so conmon/crun can join it by path and it outlives any process.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, execFile, invalidArgument } from '../lib/index.ts';

export const DEFAULT_NETNS_DIR = '/run/berth/netns';

/** Creates (or finds) the netns `<dir>/<name>` with lo up; returns its path. Idempotent. */
export async function createNetns(dir: string, name: string): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw invalidArgument(`invalid netns name: ${name}`);
  const path = join(dir, name);
  if (await isNsMount(path)) return path;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(path, '', { mode: 0o444 });
  try {
    // unshare(1) bind-mounts the new namespace on `path`, then runs the command inside it.
    await execFile('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    await deleteNetns(path);
    throw err;
  }
  return path;
}

/** Unmounts and removes the netns file. Idempotent. The namespace itself dies with its last user. */
export async function deleteNetns(path: string): Promise<void> {
  if (await isNsMount(path)) await execFile('umount', ['--lazy', path], { allowFailure: true });
  try {
    await rm(path, { force: true });
  } catch (err) {
    if (errnoCode(err) !== 'EBUSY') throw err;
  }
}

/** Runs a command inside the netns at `path`. */
export function execInNetns(path: string, argv: readonly string[], o: { input?: string; allowFailure?: boolean } = {}) {
  return execFile('nsenter', [`--net=${path}`, '--', ...argv], o);
}

export async function isNsMount(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => {
    const f = l.split(' ');
    return f[4] === path && l.includes(' - nsfs ');
  });
}

/** Every netns file under `dir` (for cleanup). */
export async function listNetnsMounts(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return info.split('\n').map((l) => l.split(' ')).filter((f) => f[4]?.startsWith(prefix) && f.includes('nsfs')).map((f) => f[4]!);
}
