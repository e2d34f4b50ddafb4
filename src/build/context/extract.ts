/**
 * Unpacks a build-context tar into a directory without letting any entry escape it: names are cleaned
 * (leading `/` dropped, `..` that climbs out of the root rejected), no entry is written through a symlink
 * (every parent is checked with lstat, files are created with O_EXCL after unlinking what was there), and
 * hardlinks must point inside. Ownership is applied when running as root; modes always; mtimes kept.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, chmod, lchown, link, rm, symlink, utimes, open } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import { invalidArgument, errnoCode, writeChunks } from '../../lib/index.ts';
import { decompressStream, type Compression } from '../../lib/index.ts';

export interface ExtractResult {
  compression: Compression;
  entries: number;
  /** sha256 (hex) of every regular file's content by relative path, computed while writing it (hardlinks included). */
  fileDigests: Map<string, string>;
}

/** Cleans a tar entry name to a relative path, or throws when it would leave the root. */
export function cleanEntryName(name: string): string {
  const trimmed = name.replace(/^\/+/, '');
  const norm = posix.normalize(trimmed === '' ? '.' : trimmed).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../')) throw invalidArgument(`invalid tar entry ${JSON.stringify(name)}: path escapes the build context`);
  return norm === '.' ? '' : norm;
}

async function assertNoSymlinkParents(root: string, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let cur = root;
  for (const p of parts) {
    cur = join(cur, p);
    let st;
    try {
      st = await lstat(cur);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') { await mkdir(cur, { mode: 0o755 }); continue; }
      throw err;
    }
    if (st.isSymbolicLink()) throw invalidArgument(`invalid tar entry ${JSON.stringify(rel)}: a parent directory is a symlink`);
    if (!st.isDirectory()) throw invalidArgument(`invalid tar entry ${JSON.stringify(rel)}: a parent is not a directory`);
  }
}

async function removeExisting(path: string, keepDir: boolean): Promise<void> {
  try {
    const st = await lstat(path);
    if (keepDir && st.isDirectory()) return;
    await rm(path, { recursive: true, force: true });
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

function owner(h: Header): { uid: number; gid: number } {
  const pax = (h.pax ?? {}) as Record<string, string>;
  const uid = pax.uid !== undefined ? Number(pax.uid) : h.uid ?? 0;
  const gid = pax.gid !== undefined ? Number(pax.gid) : h.gid ?? 0;
  return { uid, gid };
}

/**
 * Passes a tar through and appends padding to a block plus two zero blocks. The docker CLI's `-f -` rewrites the
 * context with moby's ReplaceFileTarWrapper, which closes the pipe before the tar trailer and the last entry's
 * padding are written; Go's tar reader accepts that, tar-stream does not. Harmless after a complete tar.
 */
function withTarTrailer(): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      cb(null, Buffer.alloc((512 - (n % 512)) % 512 + 1024));
    },
  });
}

/** Extracts `input` (plain or compressed tar) into `dir`, which must exist and be empty. */
export async function extractContext(input: Readable, dir: string, o: { signal?: AbortSignal } = {}): Promise<ExtractResult> {
  const { stream, compression } = await decompressStream(input, o);
  const ex = tarExtract();
  const isRoot = process.getuid?.() === 0;
  const dirModes: { path: string; mode: number; mtime?: Date }[] = [];
  let entries = 0;
  const fileDigests = new Map<string, string>();

  const handle = async (h: Header, body: Readable): Promise<void> => {
    o.signal?.throwIfAborted();
    const rel = cleanEntryName(h.name);
    if (rel === '') { body.resume(); return; }
    await assertNoSymlinkParents(dir, rel);
    const path = join(dir, rel);
    const mode = (h.mode ?? 0o644) & 0o7777;
    const { uid, gid } = owner(h);
    switch (h.type) {
      case 'directory':
        await removeExisting(path, true);
        await mkdir(path, { recursive: true, mode: 0o755 });
        dirModes.push({ path, mode, mtime: h.mtime });
        body.resume();
        break;
      case 'file':
      case 'contiguous-file': {
        await removeExisting(path, false);
        const fh = await open(path, 'wx', 0o600);
        const hash = createHash('sha256');
        try {
          await writeChunks(fh, body as AsyncIterable<Buffer>, (chunk) => hash.update(chunk));
        } finally {
          await fh.close();
        }
        fileDigests.set(rel, hash.digest('hex'));
        await chmod(path, mode);
        break;
      }
      case 'symlink':
        await removeExisting(path, false);
        fileDigests.delete(rel);
        await symlink(h.linkname ?? '', path);
        body.resume();
        break;
      case 'link': {
        const target = cleanEntryName(h.linkname ?? '');
        if (target === '') throw invalidArgument(`invalid hardlink ${JSON.stringify(h.name)}`);
        await assertNoSymlinkParents(dir, target);
        const st = await lstat(join(dir, target)).catch(() => undefined);
        if (!st || st.isSymbolicLink() || st.isDirectory()) {
          throw invalidArgument(`invalid hardlink ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}`);
        }
        await removeExisting(path, false);
        await link(join(dir, target), path);
        const digest = fileDigests.get(target);
        if (digest) fileDigests.set(rel, digest);
        else fileDigests.delete(rel);
        body.resume();
        break;
      }
      default:
        // Devices, fifos and the like have no place in a build context.
        body.resume();
        return;
    }
    entries++;
    if (isRoot && h.type !== 'link') await lchown(path, uid, gid);
    if (h.mtime && h.type !== 'symlink' && h.type !== 'directory' && h.type !== 'link') await utimes(path, h.mtime, h.mtime);
  };

  ex.on('entry', (h, body, next) => {
    handle(h, body as unknown as Readable).then(() => next(), (err: unknown) => next(err as Error));
  });
  await pipeline(stream, withTarTrailer(), ex, { signal: o.signal });
  // Directory modes last, deepest first, so read-only directories do not block their own contents.
  for (const d of dirModes.reverse()) {
    await chmod(d.path, d.mode);
    if (d.mtime) await utimes(d.path, d.mtime, d.mtime);
  }
  return { compression, entries, fileDigests };
}
