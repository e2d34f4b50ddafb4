/**
 * `HEAD /containers/{id}/archive` and the X-Docker-Container-Path-Stat header: lstat of a path inside the
 * container view (moby containerFSView.Stat). A trailing "/" or "/." makes the last component followed, as the
 * kernel does; a symlink reports its fully resolved in-scope target as linkTarget.
 */
import { lstat } from 'node:fs/promises';
import { errnoCode, notFound, invalidArgument, EngineError } from '../lib/index.ts';
import { goFileMode, rfc3339NanoUtc } from './file-mode.ts';
import { cleanContainerPath, resolveContainerPath, type ContainerView, type PathMount } from '../lib/root-path.ts';
import { openDirInView, splitContainer } from './safe-fs.ts';

/** Docker's container.PathStat (JSON field names as on the wire). */
export interface PathStat {
  name: string;
  size: number;
  /** Go os.FileMode: type bits (dir 1<<31, symlink 1<<27, ...) plus permission bits. */
  mode: number;
  /** RFC 3339 with nanoseconds. */
  mtime: string;
  linkTarget: string;
}

/** Docker's absolute form of a requested path: cleaned, with a trailing "/" or "/." kept (PreserveTrailingDotOrSeparator). */
export function absContainerPath(path: string): string {
  const clean = cleanContainerPath(path);
  if (/(^|\/)\.$/.test(path) && !clean.endsWith('/.')) return clean === '/' ? '/.' : `${clean}/.`;
  if (path.endsWith('/') && !clean.endsWith('/')) return `${clean}/`;
  return clean;
}

/** Go's filepath.Base. */
export function goBase(path: string): string {
  const p = path.replace(/\/+$/, '');
  if (p === '') return '/';
  return p.slice(p.lastIndexOf('/') + 1);
}

export async function statPath(root: string, path: string, mounts?: readonly PathMount[]): Promise<PathStat> {
  return statInView({ root, mounts }, path);
}

export async function statInView(view: ContainerView, path: string): Promise<PathStat> {
  const abs = absContainerPath(path);
  const followLast = abs.endsWith('/') || abs.endsWith('/.');
  const resolved = await resolveContainerPath(view, abs, { followLast });
  const { dir, base } = splitContainer(resolved);
  let st;
  try {
    await using parent = await openDirInView(view, dir);
    st = resolved === '/' ? await parent.handle.stat({ bigint: true }) : await lstat(parent.child(base), { bigint: true });
  } catch (err) {
    throw statError(err, abs);
  }
  if (followLast && !st.isDirectory()) throw invalidArgument(`lstat ${abs}: not a directory`);
  const linkTarget = st.isSymbolicLink() ? await resolveContainerPath(view, abs, { followLast: true }) : '';
  return {
    name: goBase(abs),
    size: Number(st.size),
    mode: goFileMode(st),
    mtime: rfc3339NanoUtc(st.mtimeNs / 1_000_000_000n, st.mtimeNs % 1_000_000_000n),
    linkTarget,
  };
}

function statError(err: unknown, abs: string): Error {
  const code = errnoCode(err);
  if (code === 'ENOENT') return notFound(`lstat ${abs}: no such file or directory`, { cause: err });
  if (code === 'ENOTDIR') return notFound(`lstat ${abs}: not a directory`, { cause: err });
  return err instanceof EngineError ? err : (err as Error);
}

/** The X-Docker-Container-Path-Stat header value: base64 (standard alphabet) of the stat JSON. */
export function encodePathStatHeader(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** Docker daemon's 404 text for a missing path in `docker cp` (wrap not-found errors of this module with it). */
export function containerFileNotFound(path: string, container: string): EngineError {
  return notFound(`Could not find the file ${path} in container ${container}`);
}
