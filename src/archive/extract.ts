/**
 * `PUT /containers/{id}/archive?path=`: unpacks a tar into a directory of a container view (moby
 * containerExtractToDir + go-archive Unpack).
 *
 * - The destination is resolved in scope with its last symlink followed; it must exist ("Could not find …" is
 *   the daemon's wrapping of the not-found error) and be a directory ("extraction point is not a directory").
 * - Entries are confined to the destination: a leading "/" is stripped, names climbing out with ".." are
 *   refused (`invalid entry name`), and symlinks met while resolving an entry's parent are evaluated with the
 *   destination as "/" (chroot-like, as go-archive does for absolute links), so "link -> /etc" followed by
 *   "link/passwd" lands in <dest>/etc/passwd. Hardlink targets obey the same rules. Every write happens
 *   through a directory descriptor reached without following symlinks (safe-fs.ts), and the final name is
 *   never followed.
 * - noOverwriteDirNonDir: `cannot overwrite directory "<name>" with non-directory "<dest>"` and the reverse.
 * - Ownership: the tar's uid/gid (through the optional id maps), unless copyUIDGID and the container has a
 *   user, then everything is chowned to that user (moby applyTarCopyUserOptions). Implied parent directories
 *   are created 0755 root-owned.
 * - Whiteout names (.wh.*) are refused: a copy must not forge overlay deletions.
 */
import { link, lchown, lstat, lutimes, mkdir, open, rm, symlink, utimes, chown } from 'node:fs/promises';
import { constants } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { errnoCode, invalidArgument, notFound, isEngineError } from '../lib/index.ts';
import { lookupContainerUser } from './container-user.ts';
import { absContainerPath } from './path-stat.ts';
import { cleanContainerPath, mountOf, resolveContainerPath, type ContainerView, type PathMount } from '../lib/root-path.ts';
import { chmodHandle, openDirInView, openPathHandle, type DirHandle } from './safe-fs.ts';
import { makedev, mknod, setxattr, S_IFBLK, S_IFCHR, S_IFIFO } from '../lib/syscalls.ts';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** One range of a user-namespace id mapping (OCI LinuxIDMapping). */
export interface IdMapping { containerID: number; hostID: number; size: number }

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory and vice versa (the API's noOverwriteDirNonDir). */
  noOverwriteDirNonDir: boolean;
  /** The API's copyUIDGID: chown everything to `containerUser` (when set) instead of the tar's ids. */
  copyUIDGID: boolean;
  /** The container's Config.User, used with copyUIDGID. */
  containerUser?: string;
  /** Container→host id maps applied to the tar's ids (user namespaces); identity when absent. */
  uidMap?: readonly IdMapping[];
  gidMap?: readonly IdMapping[];
  /** Mounts of the container (volumes, binds); a read-only one refuses extraction into it. */
  mounts?: readonly (PathMount & { readOnly?: boolean })[];
  /** HostConfig.ReadonlyRootfs: extraction outside a writable mount is refused. */
  readonlyRootfs?: boolean;
  signal?: AbortSignal;
}

const WHITEOUT_PREFIX = '.wh.';

export async function extractArchive(root: string, destPath: string, input: Readable, o: ExtractOptions): Promise<void> {
  const view: ContainerView = { root, mounts: o.mounts };
  const abs = absContainerPath(destPath);
  const dest = await resolveContainerPath(view, abs, { followLast: true });
  try {
    await using d = await openDirInView(view, dest);
    void d;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') throw notFound(`lstat ${abs}: no such file or directory`, { cause: err });
    if (code === 'ENOTDIR') throw invalidArgument('extraction point is not a directory', { cause: err });
    throw err;
  }
  checkWritable(view, dest, o);
  const owner = o.copyUIDGID && o.containerUser ? await lookupContainerUser(view, o.containerUser) : undefined;
  const unpacker = new Unpacker(subView(view, dest), abs, o, owner);
  const extract = tar.extract();
  const entries = extract[Symbol.asyncIterator]();
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for (let r = await entries.next(); !r.done; r = await entries.next()) {
      o.signal?.throwIfAborted();
      await unpacker.entry(r.value);
    }
    await unpacker.finish();
  } catch (err) {
    input.unpipe(extract as unknown as NodeJS.WritableStream);
    input.resume();
    extract.destroy();
    throw mapError(err);
  } finally {
    await unpacker.close();
  }
}

function mapError(err: unknown): unknown {
  if (isEngineError(err) || (err as Error)?.name === 'AbortError') return err;
  if (errnoCode(err)) return err;
  return invalidArgument(`invalid tar: ${(err as Error).message}`, { cause: err });
}

function checkWritable(view: ContainerView, dest: string, o: ExtractOptions): void {
  const m = mountOf(view, dest) as (PathMount & { readOnly?: boolean }) | undefined;
  if (m) {
    if (m.readOnly) throw invalidArgument('mounted volume is marked read-only');
    return;
  }
  if (o.readonlyRootfs) throw invalidArgument('container rootfs is marked read-only');
}

/** The part of a view below `dest`, with `dest` as its root (entries are confined to it). */
function subView(view: ContainerView, dest: string): ContainerView {
  const m = mountOf(view, dest);
  const mdest = m ? cleanContainerPath(m.destination) : '/';
  const rest = mdest === '/' ? dest : dest.slice(mdest.length);
  const base = (m ? m.source : view.root).replace(/\/+$/, '');
  const root = rest === '/' ? base : `${base}${rest}`;
  const mounts = (view.mounts ?? [])
    .map((mm) => ({ ...mm, destination: cleanContainerPath(mm.destination) }))
    .filter((mm) => mm.destination.startsWith(`${dest === '/' ? '' : dest}/`))
    .map((mm) => ({ ...mm, destination: dest === '/' ? mm.destination : mm.destination.slice(dest.length) }));
  return { root, mounts };
}

type Entry = tar.Extract extends AsyncIterable<infer T> ? T : never;

class Unpacker {
  private readonly view: ContainerView;
  private readonly destLabel: string;
  private readonly o: ExtractOptions;
  private readonly owner: { uid: number; gid: number } | undefined;
  private readonly dirTimes: { path: string; mtime: Date }[] = [];
  /** The last parent directory used (entries usually come grouped by directory). */
  private cached: DirHandle | undefined;

  constructor(view: ContainerView, destLabel: string, o: ExtractOptions, owner: { uid: number; gid: number } | undefined) {
    this.view = view;
    this.destLabel = destLabel;
    this.o = o;
    this.owner = owner;
  }

  async close(): Promise<void> {
    await this.cached?.close().catch(() => {});
    this.cached = undefined;
  }

  async finish(): Promise<void> {
    await this.close();
    // Directory times last: creating entries inside a directory changes its mtime.
    for (const d of this.dirTimes.reverse()) {
      const { dir, base } = split(d.path);
      await using parent = await openDirInView(this.view, await resolveContainerPath(this.view, dir, { followLast: true }));
      const h = await openPathHandle(parent, base).catch(() => undefined);
      if (!h) continue;
      try { await utimes(`/proc/self/fd/${h.fd}`, d.mtime, d.mtime); } finally { await h.close(); }
    }
  }

  /** Entry name relative to the destination; refuses names that climb out of it. */
  private clean(name: string, what: string): string {
    const n = posix.normalize(name.replace(/^\/+/, ''));
    if (n === '..' || n.startsWith('../')) throw invalidArgument(`invalid ${what} ${JSON.stringify(name)}`);
    return n === '.' || n === './' ? '' : n.replace(/\/+$/, '');
  }

  /** Opens (creating 0755 root-owned directories as needed) the directory that will hold `rel`. */
  private async parentOf(rel: string): Promise<{ dir: DirHandle; base: string }> {
    const { dir, base } = split(`/${rel}`);
    const resolved = await resolveContainerPath(this.view, dir, { followLast: true });
    if (this.cached?.containerPath === resolved) return { dir: this.cached, base };
    await this.close();
    const [ruid, rgid] = [this.mapUid(0), this.mapGid(0)];
    this.cached = await openDirInView(this.view, resolved, {
      create: true,
      mode: 0o755,
      onCreate: async (d) => { if (ruid !== 0 || rgid !== 0) await d.handle.chown(ruid, rgid); },
    });
    return { dir: this.cached, base };
  }

  async entry(entry: Entry): Promise<void> {
    const h = entry.header;
    const type = h.type as string;
    if (type === 'pax-global-header') { entry.resume(); return; }
    const rel = this.clean(h.name, 'entry name');
    if (rel === '') { entry.resume(); return; }
    if (posix.basename(rel).startsWith(WHITEOUT_PREFIX)) throw invalidArgument(`invalid entry name ${JSON.stringify(h.name)}: whiteout files are not allowed`);
    const { dir, base } = await this.parentOf(rel);
    const target = dir.child(base);
    const isDirEntry = h.type === 'directory';

    let existing;
    try { existing = await lstat(target); } catch (err) { if (errnoCode(err) !== 'ENOENT') throw err; }
    if (existing) {
      if (this.o.noOverwriteDirNonDir && existing.isDirectory() && !isDirEntry) {
        throw invalidArgument(`cannot overwrite directory ${JSON.stringify(rel)} with non-directory ${JSON.stringify(this.destLabel)}`);
      }
      if (this.o.noOverwriteDirNonDir && !existing.isDirectory() && isDirEntry) {
        throw invalidArgument(`cannot overwrite non-directory ${JSON.stringify(rel)} with directory ${JSON.stringify(this.destLabel)}`);
      }
      if (!existing.isDirectory() || !isDirEntry) await rm(target, { recursive: true, force: true });
    }

    const mode = (h.mode ?? 0o644) & 0o7777;
    switch (h.type) {
      case 'file':
      case 'contiguous-file': {
        const fh = await open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of entry) await fh.write(chunk as Buffer);
        } finally {
          await fh.close();
        }
        break;
      }
      case 'directory':
        entry.resume();
        if (!existing?.isDirectory()) await mkdir(target, 0o700);
        break;
      case 'symlink':
        entry.resume();
        await symlink(h.linkname ?? '', target);
        break;
      case 'link': {
        entry.resume();
        const trel = this.clean(h.linkname ?? '', 'hardlink target');
        if (trel === '') throw invalidArgument(`invalid hardlink target ${JSON.stringify(h.linkname)}`);
        const t = split(`/${trel}`);
        const tdirPath = await resolveContainerPath(this.view, t.dir, { followLast: true });
        await using tdir = await openDirInView(this.view, tdirPath);
        await link(tdir.child(t.base), target);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        entry.resume();
        const kind = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        mknod(target, kind | 0o600, makedev(h.devmajor ?? 0, h.devminor ?? 0));
        break;
      }
      default:
        entry.resume();
        throw invalidArgument(`unhandled tar header type ${String(type)} for ${JSON.stringify(h.name)}`);
    }
    await this.setMetadata(dir, base, rel, h, mode);
  }

  private async setMetadata(dir: DirHandle, base: string, rel: string, h: tar.Header, mode: number): Promise<void> {
    const pax = (h.pax ?? {}) as Record<string, string>;
    const uid = this.owner?.uid ?? this.mapUid(pax.uid !== undefined ? Number(pax.uid) : h.uid ?? 0);
    const gid = this.owner?.gid ?? this.mapGid(pax.gid !== undefined ? Number(pax.gid) : h.gid ?? 0);
    const mtime = pax.mtime !== undefined ? new Date(Number(pax.mtime) * 1000) : h.mtime ?? new Date();
    if (h.type === 'symlink') {
      await lchown(dir.child(base), uid, gid);
      await lutimes(dir.child(base), mtime, mtime);
      return;
    }
    const fh = await openPathHandle(dir, base);
    try {
      const st = await fh.stat();
      if (st.isSymbolicLink()) return; // a hardlink to a symlink: nothing to set through it
      const proc = `/proc/self/fd/${fh.fd}`;
      await chown(proc, uid, gid);
      await chmodHandle(fh, mode); // after chown, which clears setuid/setgid
      for (const [k, v] of Object.entries(pax)) {
        if (!k.startsWith('SCHILY.xattr.')) continue;
        const name = k.slice('SCHILY.xattr.'.length);
        if (name.startsWith('trusted.overlay.')) continue; // never forge overlayfs metadata
        try { setxattr(proc, name, Buffer.from(v, 'latin1')); } catch (err) {
          const code = errnoCode(err);
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
        }
      }
      if (h.type === 'directory') this.dirTimes.push({ path: `/${rel}`, mtime });
      else await utimes(proc, mtime, mtime);
    } finally {
      await fh.close();
    }
  }

  private mapUid(id: number): number { return mapId(this.o.uidMap, id); }
  private mapGid(id: number): number { return mapId(this.o.gidMap, id); }
}

function mapId(map: readonly IdMapping[] | undefined, id: number): number {
  if (!map || map.length === 0) return id;
  for (const m of map) if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  throw invalidArgument(`container ID ${id} cannot be mapped to a host ID`);
}

function split(path: string): { dir: string; base: string } {
  const p = cleanContainerPath(path);
  const i = p.lastIndexOf('/');
  return { dir: i <= 0 ? '/' : p.slice(0, i), base: p.slice(i + 1) };
}
