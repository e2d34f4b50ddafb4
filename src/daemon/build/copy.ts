/**
 * COPY / ADD into a build layer's mounted root, with the classic builder's rules (moby builder/dockerfile
 * copy.go): sources already selected by src/build (checksumSources resolves wildcards and symlinks in scope);
 * a directory source copies its contents; a file goes to `dest/<name>` when dest ends with "/" or is an
 * existing directory, else to `dest` itself; several sources need a dest ending with "/"; ADD unpacks local
 * tar archives (plain, gzip, bzip2, xz). Files keep their mode and mtime and belong to root unless --chown;
 * --chmod sets the mode of everything copied.
 *
 * Writes go through src/archive's extractArchive (a tar built here from the sources), which confines every
 * entry to the root: symlinks in the image are evaluated with the root as "/".
 */
import { createReadStream } from 'node:fs';
import { chown, lstat, mkdir, open, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { errnoCode, invalidArgument, resolveInRoot } from '../../lib/index.ts';
import { extractArchive } from '../../archive/index.ts';
import { decompressStream } from '../../build/index.ts';

type Hdr = Partial<tar.Header> & { name: string };

export interface CopySource {
  /** Host directory the paths are relative to (the context, or a mounted image). */
  root: string;
  /** Selected paths relative to root ('' = root itself). */
  paths: string[];
  /** ADD leaves these archives packed (files downloaded from a URL). */
  noDecompress?: boolean;
}

export interface CopyRequest {
  cmdName: 'COPY' | 'ADD';
  sources: CopySource[];
  /** Heredoc sources: inline files. */
  contents: { path: string; data: string }[];
  /** Destination as written after expansion. */
  dest: string;
  workingDir: string;
  chown?: { uid: number; gid: number };
  chmod?: number;
  signal?: AbortSignal;
}

/** Docker's `--chmod` octal parsing. */
export function parseChmod(s: string): number | undefined {
  if (s === '') return undefined;
  if (!/^[0-7]{1,4}$/.test(s)) throw invalidArgument(`invalid chmod parameter: ${s}`);
  return Number.parseInt(s, 8);
}

/** Resolves --chown user[:group] against the image's /etc/passwd and /etc/group (numeric ids need no lookup). */
export async function resolveChown(rootfs: string, spec: string): Promise<{ uid: number; gid: number } | undefined> {
  if (spec === '') return undefined;
  const parts = spec.split(':');
  if (parts.length > 2) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: invalid chown string format: ${spec}`);
  // moby parseChownFlag: with no group, the user spec names the group as well (`--chown=nobody` is nobody:nobody).
  const [user, group = user] = parts as [string, string | undefined];
  const readDb = async (file: string): Promise<string[][]> => {
    try {
      const text = await readFile(await resolveInRoot(rootfs, file, { followLast: true }), 'utf8');
      return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
      throw err;
    }
  };
  let uid: number;
  let gid: number;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const row = (await readDb('/etc/passwd')).find((r) => r[0] === user);
    if (!row) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
    uid = Number(row[2]);
  }
  if (/^\d+$/.test(group)) gid = Number(group);
  else {
    const row = (await readDb('/etc/group')).find((r) => r[0] === group);
    if (!row) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
    gid = Number(row[2]);
  }
  return { uid, gid };
}

/** One unit of work: entries extracted into `dir` (a container path). */
interface Job { dir: string; write: (pack: tar.Pack) => Promise<void>; archive?: string }

export async function performCopy(rootfs: string, r: CopyRequest): Promise<void> {
  let dest = r.dest;
  if (!dest.startsWith('/')) dest = posix.join(r.workingDir || '/', dest) + (dest.endsWith('/') || dest === '.' ? '/' : '');
  const count = r.sources.reduce((n, s) => n + s.paths.length, 0) + r.contents.length;
  const destEndsWithSlash = dest.endsWith('/') || dest.endsWith('/.');
  if (count > 1 && !destEndsWithSlash) {
    throw invalidArgument(`When using ${r.cmdName} with more than one source file, the destination must be a directory and end with a /`);
  }
  const destClean = posix.normalize(dest).replace(/(.)\/+$/, '$1');
  const destIsDir = destEndsWithSlash || await isDirInRoot(rootfs, destClean);
  const owner = r.chown ?? { uid: 0, gid: 0 };
  const jobs: Job[] = [];
  const fileJob = (name: string, write: (pack: tar.Pack, name: string) => Promise<void>): Job =>
    destIsDir
      ? { dir: destClean, write: (p) => write(p, name) }
      : { dir: posix.dirname(destClean), write: (p) => write(p, posix.basename(destClean)) };

  for (const s of r.sources) {
    for (const rel of s.paths) {
      const host = rel === '' ? s.root : join(s.root, rel);
      const st = await lstat(host);
      if (st.isDirectory()) {
        jobs.push({ dir: destClean, write: (p) => packTree(p, host, '', owner, r.chmod, r.signal) });
        continue;
      }
      if (r.cmdName === 'ADD' && !s.noDecompress && st.isFile() && (await isArchive(host))) {
        jobs.push({ dir: destClean, write: async () => undefined, archive: host });
        continue;
      }
      jobs.push(fileJob(posix.basename(rel), (p, name) => packEntry(p, host, name, owner, r.chmod)));
    }
  }
  for (const c of r.contents) {
    jobs.push(fileJob(posix.basename(c.path), (p, name) => addEntry(p, {
      name, type: 'file', mode: r.chmod ?? 0o644, uid: owner.uid, gid: owner.gid, mtime: new Date(),
    }, Buffer.from(c.data))));
  }

  // Nothing to copy (WORKDIR's request): the destination directory is still made.
  if (jobs.length === 0) await mkdirInRoot(rootfs, destClean, owner);
  for (const job of jobs) {
    await mkdirInRoot(rootfs, job.dir, owner);
    let input: Readable;
    if (job.archive) {
      input = (await decompressStream(createReadStream(job.archive), { signal: r.signal })).stream;
    } else {
      const pack = tar.pack();
      job.write(pack).then(() => pack.finalize(), (err: unknown) => pack.destroy(err as Error));
      input = pack as unknown as Readable;
    }
    await extractArchive(rootfs, job.dir, input, { noOverwriteDirNonDir: false, copyUIDGID: false, signal: r.signal });
  }
}

async function isDirInRoot(rootfs: string, path: string): Promise<boolean> {
  try {
    return (await lstat(await resolveInRoot(rootfs, path, { followLast: true }))).isDirectory();
  } catch {
    return false;
  }
}

/** mkdir -p inside the root (symlinks evaluated in scope); new directories are 0755 and owned by `owner`. */
async function mkdirInRoot(rootfs: string, path: string, owner: { uid: number; gid: number }): Promise<void> {
  const parts = posix.normalize(path).split('/').filter(Boolean);
  let cur = '/';
  for (const part of parts) {
    cur = posix.join(cur, part);
    const host = await resolveInRoot(rootfs, cur, { followLast: true });
    try {
      const st = await lstat(host);
      if (!st.isDirectory()) throw invalidArgument(`mkdir ${cur}: not a directory`);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      await mkdir(host, { mode: 0o755 });
      await chown(host, owner.uid, owner.gid);
    }
  }
}

const ARCHIVE_MAGIC: Buffer[] = [Buffer.from([0x1f, 0x8b]), Buffer.from('BZh'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])];

async function isArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    const head = buf.subarray(0, bytesRead);
    if (ARCHIVE_MAGIC.some((m) => head.subarray(0, m.length).equals(m))) return true;
    return bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

function addEntry(pack: tar.Pack, h: Hdr, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => { pack.entry(h, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())); });
}

/**
 * Packs one file, directory or symlink. `links` (inode → name packed) keeps hardlinks within a directory source
 * as hardlinks, as the classic builder's tar copy does.
 */
async function packEntry(pack: tar.Pack, host: string, name: string, owner: { uid: number; gid: number }, chmod?: number, links?: Map<string, string>): Promise<void> {
  const st = await lstat(host);
  const h: Hdr = {
    name, uid: owner.uid, gid: owner.gid, mode: chmod ?? st.mode & 0o7777,
    mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
  };
  if (st.isDirectory()) return addEntry(pack, { ...h, name: `${name}/`, type: 'directory' });
  if (st.isSymbolicLink()) return addEntry(pack, { ...h, type: 'symlink', linkname: await readlink(host) });
  if (!st.isFile()) return; // devices, fifos and sockets are not copied from a context
  if (links && st.nlink > 1) {
    const inode = `${st.dev}:${st.ino}`;
    const first = links.get(inode);
    if (first !== undefined) return addEntry(pack, { ...h, type: 'link', linkname: first });
    links.set(inode, name);
  }
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ ...h, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
    const src = createReadStream(host);
    src.on('error', (err) => { sink.destroy(err); reject(err); });
    src.pipe(sink);
  });
}

async function packTree(pack: tar.Pack, dir: string, prefix: string, owner: { uid: number; gid: number }, chmod: number | undefined, signal?: AbortSignal, links = new Map<string, string>()): Promise<void> {
  for (const n of (await readdir(dir)).sort()) {
    signal?.throwIfAborted();
    const host = join(dir, n);
    const name = prefix === '' ? n : `${prefix}/${n}`;
    await packEntry(pack, host, name, owner, chmod, links);
    if ((await lstat(host)).isDirectory()) await packTree(pack, host, name, owner, chmod, signal, links);
  }
}
