/**
 * `GET /containers/{id}/archive?path=` and `docker export`: tars of a path inside a container view.
 *
 * Naming follows moby's containerArchivePath (TarResourceRebaseOpts with IncludeSourceDir): the top entry is
 * named after the base name of the requested path and children sit under it —
 *   /etc/hosts → "hosts";  /dir → "dir/", "dir/a";  /dir/. → "./", "./a";  / → "/", "/etc/" …
 * A symlink without a trailing "/" is archived as the link itself (the CLI follows links through the stat).
 */
import type { Readable } from 'node:stream';
import { absContainerPath, goBase, statInView, type PathStat } from './path-stat.ts';
import { resolveContainerPath, type ContainerView, type PathMount } from '../lib/root-path.ts';
import { isGoDir } from './file-mode.ts';
import { packTree } from './tar-writer.ts';

export interface ArchivePathOptions {
  mounts?: readonly PathMount[];
  signal?: AbortSignal;
}

export interface PathArchive {
  /** For the X-Docker-Container-Path-Stat header. */
  stat: PathStat;
  tar: Readable;
}

export async function archivePath(root: string, path: string, o: ArchivePathOptions = {}): Promise<PathArchive> {
  const view: ContainerView = { root, mounts: o.mounts };
  const abs = absContainerPath(path);
  const stat = await statInView(view, abs);
  const isDir = isGoDir(stat.mode);
  const followLast = isDir; // a directory reached through a trailing "/" on a link is archived as that directory
  const resolved = await resolveContainerPath(view, abs, { followLast });
  const base = goBase(abs);
  const name = isDir ? (base === '/' ? '/' : base) : base;
  const tar = packTree(view, { containerPath: resolved, name, includeTop: true, crossMounts: true }, { signal: o.signal });
  return { stat, tar };
}

/** `docker export`: the whole root filesystem (without the container's mounts), names relative ("bin/sh"). */
export function exportRootfs(root: string, o: { signal?: AbortSignal } = {}): Readable {
  return packTree({ root }, { containerPath: '/', name: '', includeTop: false, crossMounts: false }, o);
}
