/**
 * `GET /containers/{id}/changes` from an overlayfs upper directory (moby go-archive collectChanges with
 * overlay deletions): a 0:0 character device is a deleted path; anything else in upper is Added, or Modified
 * when the path exists in a lower dir (directories identical in size, mode and mtime to the lower one are not
 * reported); the parent of an added or deleted path is reported Modified once. An opaque directory
 * (trusted.overlay.opaque=y) that existed below hides the lower contents: each lower entry not present in
 * upper is reported Deleted. Order: depth-first, lexical, parents before children.
 */
import { lstat, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { errnoCode } from '../lib/index.ts';
import { lgetxattr } from '../lib/syscalls.ts';

export const ChangeKind = { modified: 0, added: 1, deleted: 2 } as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

/** Docker's container change item. */
export interface Change { Path: string; Kind: ChangeKind }

export async function diffUpper(upperDir: string, lowerDirs: readonly string[], o: { signal?: AbortSignal } = {}): Promise<Change[]> {
  const changes: Change[] = [];
  const changedDirs = new Set<string>();

  const record = (path: string, kind: ChangeKind, isDir: boolean): void => {
    if (isDir) changedDirs.add(path);
    if (kind !== ChangeKind.modified) {
      const parent = path.slice(0, path.lastIndexOf('/')) || '/';
      if (parent !== '/' && !changedDirs.has(parent)) {
        changes.push({ Path: parent, Kind: ChangeKind.modified });
        changedDirs.add(parent);
      }
    }
    changes.push({ Path: path, Kind: kind });
  };

  const walk = async (rel: string): Promise<void> => {
    o.signal?.throwIfAborted();
    const names = (await readdir(`${upperDir}${rel}`)).sort();
    for (const name of names) {
      const path = `${rel}/${name}`;
      const st = await lstat(`${upperDir}${path}`);
      if (st.isCharacterDevice() && st.rdev === 0) { record(path, ChangeKind.deleted, false); continue; }
      const lower = await lowerStat(lowerDirs, path);
      if (!lower) record(path, ChangeKind.added, st.isDirectory());
      else if (!(st.isDirectory() && lower.isDirectory() && sameDir(st, lower))) record(path, ChangeKind.modified, st.isDirectory());
      if (!st.isDirectory()) continue;
      if (lower?.isDirectory() && isOpaque(`${upperDir}${path}`)) {
        const upperNames = new Set(await readdir(`${upperDir}${path}`));
        for (const hidden of await lowerNames(lowerDirs, path)) {
          if (!upperNames.has(hidden)) record(`${path}/${hidden}`, ChangeKind.deleted, false);
        }
      }
      await walk(path);
    }
  };
  await walk('');
  return changes;
}

function sameDir(a: Stats, b: Stats): boolean {
  const sameTime = a.mtimeMs === b.mtimeMs
    || (Math.trunc(a.mtimeMs / 1000) === Math.trunc(b.mtimeMs / 1000) && (a.mtimeMs % 1000 === 0 || b.mtimeMs % 1000 === 0));
  return a.size === b.size && a.mode === b.mode && sameTime;
}

function isOpaque(path: string): boolean {
  return lgetxattr(path, 'trusted.overlay.opaque')?.toString() === 'y';
}

/** lstat of the path in the topmost lower dir that has it (stopping at a whiteout or a non-directory parent). */
async function lowerStat(lowerDirs: readonly string[], path: string): Promise<Stats | undefined> {
  for (const dir of lowerDirs) {
    try {
      const st = await lstat(`${dir}${path}`);
      if (st.isCharacterDevice() && st.rdev === 0) return undefined; // whited out below
      return st;
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
  }
  return undefined;
}

/** Names visible in the merged lower dirs at path (top first; whiteouts hide names of the layers below). */
async function lowerNames(lowerDirs: readonly string[], path: string): Promise<string[]> {
  const seen = new Set<string>();
  const visible: string[] = [];
  for (const dir of lowerDirs) {
    let names: string[];
    try { names = await readdir(`${dir}${path}`); } catch { continue; }
    for (const n of names.sort()) {
      if (seen.has(n)) continue;
      seen.add(n);
      const st = await lstat(`${dir}${path}/${n}`);
      if (!(st.isCharacterDevice() && st.rdev === 0)) visible.push(n);
    }
    if (isOpaque(`${dir}${path}`)) break;
  }
  return visible.sort();
}
