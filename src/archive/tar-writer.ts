/**
 * Streams a subtree of a container view as a tar, the way moby's Tarballer writes it: PAX format, lexical walk
 * order, directories named with a trailing "/", mtimes truncated to seconds, uid/gid and mode bits as on disk,
 * hardlinked files after the first as TypeLink, security.capability as a SCHILY.xattr record, sockets skipped.
 * uid/gid above 0o777777 go in PAX records (tar-stream cannot encode them in the header).
 *
 * Every directory is opened through safe-fs (no symlink following), so a running container cannot redirect the
 * walk outside its root. Unreadable entries are logged and skipped, as Docker does for a changing filesystem.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { errnoCode, rootLogger } from '../lib/index.ts';
import { cleanContainerPath, type ContainerView } from '../lib/root-path.ts';
import { joinContainer, openChildDir, openDirInView, type DirHandle } from './safe-fs.ts';
import { lgetxattr, splitDev } from '../lib/syscalls.ts';

const log = rootLogger.child({ mod: 'archive' });
const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;
const MAX_USTAR_ID = 0o777777;
const CHUNK = 128 * 1024;

/** What to put in the tar: the entry at `containerPath` (named `name` in the tar), recursively. */
export interface TarSource {
  /** Resolved container path of the top entry ("/" for the whole root). */
  containerPath: string;
  /**
   * Tar name of the top entry; children are `${name}/${rel}` ("" means children are named `rel`, "/" means
   * `/rel`). Ignored for the root entry when `includeTop` is false.
   */
  name: string;
  /** Write an entry for the top directory itself (IncludeSourceDir). */
  includeTop: boolean;
  /** Descend into mounts of the view (docker cp does; docker export does not). */
  crossMounts?: boolean;
}

/** Starts writing the tar in the background; the returned stream ends with the tar or errors. */
export function packTree(view: ContainerView, src: TarSource, o: { signal?: AbortSignal } = {}): Readable {
  const pack = tar.pack();
  const writer = new TreeWriter(pack, o.signal);
  writer.run(view, src).then(
    () => pack.finalize(),
    (err: unknown) => { pack.destroy(err as Error); },
  );
  return pack as unknown as Readable;
}

class TreeWriter {
  private readonly pack: tar.Pack;
  private readonly signal: AbortSignal | undefined;
  private readonly seenInodes = new Map<string, string>();

  constructor(pack: tar.Pack, signal?: AbortSignal) {
    this.pack = pack;
    this.signal = signal;
  }

  private view: ContainerView = { root: '/' };

  async run(view: ContainerView, src: TarSource): Promise<void> {
    this.view = src.crossMounts === false ? { root: view.root } : view;
    const cpath = src.containerPath;
    if (cpath === '/') {
      await using rootDir = await openDirInView(this.view, '/');
      if (src.includeTop) await this.addEntry(rootDir, null, canonicalDirName(src.name), await rootDir.handle.stat({ bigint: true }));
      await this.addChildren(rootDir, childPrefix(src.name));
      return;
    }
    const i = cpath.lastIndexOf('/');
    const parentPath = i <= 0 ? '/' : cpath.slice(0, i);
    const base = cpath.slice(i + 1);
    await using parent = await openDirInView(this.view, parentPath);
    const st = await lstat(parent.child(base), { bigint: true });
    if (!st.isDirectory()) {
      await this.addEntry(parent, base, src.name, st);
      return;
    }
    await using dir = await this.openSubdir(parent, base);
    if (src.includeTop) await this.addEntry(dir, null, canonicalDirName(src.name), await dir.handle.stat({ bigint: true }));
    await this.addChildren(dir, childPrefix(src.name));
  }

  private async addChildren(dir: DirHandle, prefix: string): Promise<void> {
    const names = (await readdir(dir.proc)).sort();
    for (const base of names) {
      this.signal?.throwIfAborted();
      if (this.pack.destroyed) return;
      const name = `${prefix}${base}`;
      let st: BigIntStats;
      try {
        st = await lstat(dir.child(base), { bigint: true });
      } catch (err) {
        log.warn('archive: cannot stat entry', { name, err: (err as Error).message });
        continue;
      }
      if (!st.isDirectory()) {
        await this.addEntryLogged(dir, base, name, st);
        continue;
      }
      let child: DirHandle;
      try {
        child = await this.openSubdir(dir, base);
      } catch (err) {
        log.warn('archive: cannot open directory', { name, err: (err as Error).message });
        continue;
      }
      try {
        const cst = await child.handle.stat({ bigint: true });
        await this.addEntryLogged(child, null, `${name}/`, cst);
        await this.addChildren(child, `${name}/`);
      } finally {
        await child.close();
      }
    }
  }

  private async addEntryLogged(dir: DirHandle, base: string | null, name: string, st: BigIntStats): Promise<void> {
    try {
      await this.addEntry(dir, base, name, st);
    } catch (err) {
      if (this.pack.destroyed || this.signal?.aborted) throw err;
      log.warn('archive: cannot add entry', { name, err: (err as Error).message });
    }
  }

  /** Writes one entry; `base` null means the directory `dir` itself. */
  private async addEntry(dir: DirHandle, base: string | null, name: string, st: BigIntStats): Promise<void> {
    const path = base === null ? dir.proc : dir.child(base);
    const header: Partial<tar.Header> & { name: string } = {
      name,
      mode: Number(st.mode) & 0o7777,
      uid: Math.min(Number(st.uid), MAX_USTAR_ID),
      gid: Math.min(Number(st.gid), MAX_USTAR_ID),
      mtime: new Date(Number(st.mtimeNs / 1_000_000_000n) * 1000),
      size: 0,
    };
    const pax: Record<string, string> = {};
    if (Number(st.uid) > MAX_USTAR_ID) pax.uid = String(st.uid);
    if (Number(st.gid) > MAX_USTAR_ID) pax.gid = String(st.gid);
    const cap = lgetxattr(path, 'security.capability');
    if (cap) pax['SCHILY.xattr.security.capability'] = cap.toString('latin1');

    let file: FileHandle | undefined;
    if (st.isDirectory()) header.type = 'directory';
    else if (st.isSymbolicLink()) { header.type = 'symlink'; header.linkname = await readlink(path); }
    else if (st.isFIFO()) header.type = 'fifo';
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      header.type = st.isCharacterDevice() ? 'character-device' : 'block-device';
      const { major, minor } = splitDev(st.rdev);
      header.devmajor = major;
      header.devminor = minor;
    } else if (st.isSocket()) {
      log.debug('archive: skipping socket', { name });
      return;
    } else {
      header.type = 'file';
      header.size = Number(st.size);
    }
    if (!st.isDirectory() && st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.seenInodes.get(key);
      if (first !== undefined) {
        header.type = 'link';
        header.linkname = first;
        header.size = 0;
      } else {
        this.seenInodes.set(key, name);
      }
    }
    if (Object.keys(pax).length > 0) header.pax = pax;
    if (header.type === 'file' && header.size! > 0) {
      file = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    }
    try {
      await this.write(header, file);
    } finally {
      await file?.close();
    }
  }

  /** Writes a header and exactly header.size bytes of content (zero-padded if the file shrank meanwhile). */
  private async write(header: Partial<tar.Header> & { name: string }, file: FileHandle | undefined): Promise<void> {
    const size = header.size ?? 0;
    await new Promise<void>((resolve, reject) => {
      const sink = this.pack.entry(header, (err) => (err ? reject(err) : resolve()));
      if (!file) { sink.end(undefined); return; }
      void (async () => {
        let left = size;
        let pos = 0;
        while (left > 0) {
          this.signal?.throwIfAborted();
          const buf = Buffer.alloc(Math.min(CHUNK, left));
          const { bytesRead } = await file.read(buf, 0, buf.length, pos);
          const chunk = bytesRead === 0 ? buf : buf.subarray(0, bytesRead); // shrank: pad with zeros
          pos += chunk.length;
          left -= chunk.length;
          if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
        }
        sink.end(undefined);
      })().catch((err: unknown) => { sink.destroy(err as Error); reject(err as Error); });
    });
  }

  /** Opens a subdirectory, switching to the mount source when it is a mount destination of the view. */
  private async openSubdir(parent: DirHandle, base: string): Promise<DirHandle> {
    const cpath = joinContainer(parent.containerPath, base);
    if ((this.view.mounts ?? []).some((m) => cleanContainerPath(m.destination) === cpath)) return openDirInView(this.view, cpath);
    return openChildDir(parent, base);
  }
}

function canonicalDirName(name: string): string {
  return name.endsWith('/') ? name : `${name}/`;
}

function childPrefix(name: string): string {
  if (name === '') return '';
  return name.endsWith('/') ? name : `${name}/`;
}

/** For callers that only need the error code of a failed open (e.g. ENOENT → not found). */
export function isMissing(err: unknown): boolean {
  const c = errnoCode(err);
  return c === 'ENOENT' || c === 'ENOTDIR';
}
