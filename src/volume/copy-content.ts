/**
 * Docker's "copy image content into a new volume on first use" (moby copyExistingContents + copyOwnership):
 * when a container mounts an empty volume over a path that has content in the image, that content (with
 * ownership, modes, timestamps, symlinks, hardlinks, xattrs, device nodes) is copied into the volume, and the
 * volume's root takes the mode and owner of the image directory.
 *
 * Safety: srcDir must be a real directory (a symlink there is not followed: nothing is copied), and `cp -a`
 * never dereferences symlinks below it. The caller resolves srcDir inside the container root first.
 */
import { lstat, readdir } from 'node:fs/promises';
import { errnoCode, execFile } from '../lib/index.ts';

/** Copies srcDir's content into volumeDir if volumeDir is empty; returns whether anything was copied. */
export async function copyImageContentIntoVolume(srcDir: string, volumeDir: string, o: { signal?: AbortSignal } = {}): Promise<boolean> {
  if ((await readdir(volumeDir)).length > 0) return false;
  try {
    if (!(await lstat(srcDir)).isDirectory()) return false;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
  // "src/." onto an existing directory copies the content and applies src's own mode/owner/times to it.
  await execFile('cp', ['-a', '--no-dereference', '--', `${srcDir}/.`, volumeDir], { signal: o.signal });
  return true;
}
