/**
 * Unpacks a layer tar (plain, gzip or zstd) into a directory, computing the diff id (sha256 of the
 * uncompressed tar) as it streams. OCI whiteouts become overlayfs whiteouts: `.wh.<name>` a 0:0 character
 * device, `.wh..wh..opq` the `trusted.overlay.opaque=y` xattr on its directory.
 *
 * Security: entries are confined to `dir`. Absolute names are taken relative to the layer root (as Docker
 * does); names that climb out with `..` are refused; no path is ever resolved through a symlink (each parent
 * component is checked with lstat, final components are created exclusively after removing what was
 * there); hardlink targets obey the same rules.
 */
import { createHash } from 'node:crypto';
import { lchown, link, lstat, lutimes, mkdir, open, rm, symlink, chmod, readdir, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { invalidArgument, internal, isEngineError, errnoCode } from '../lib/errdefs.ts';
import type { Digest } from '../oci/index.ts';
import { decompressStream, type ExternalDecompressor } from '../lib/streams/decompress.ts';
import { writeChunks } from '../lib/streams/write-chunks.ts';
import { lsetxattr, makedev, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../lib/syscalls.ts';

export interface ApplyResult {
  /** sha256 of the uncompressed tar stream. */
  diffId: Digest;
  /** Sum of the entries' content sizes. */
  size: number;
}

export interface ApplyOptions {
  signal?: AbortSignal;
  /** Decompressor for formats zlib lacks (bzip2, xz). */
  external?: ExternalDecompressor;
  /** Called with every uncompressed chunk, in order (e.g. to store the tar while unpacking it). */
  onChunk?: (chunk: Buffer) => Promise<void> | void;
}

const WHITEOUT_PREFIX = '.wh.';
const WHITEOUT_META_PREFIX = '.wh..wh.';
const WHITEOUT_OPAQUE = '.wh..wh..opq';

/** Marks an error as the layer's fault (bad tar/compression) rather than ours. */
function badLayer(err: unknown): Error {
  if (isEngineError(err)) return err;
  return invalidArgument(`invalid layer tar: ${(err as Error).message}`, { cause: err });
}

export async function applyLayer(input: Readable, dir: string, o: ApplyOptions = {}): Promise<ApplyResult> {
  o.signal?.throwIfAborted();
  const { stream } = await decompressStream(input, { external: o.external, signal: o.signal }).catch((e: unknown) => { throw badLayer(e); });
  const hash = createHash('sha256');
  const extract = tar.extract();
  const unpacker = new Unpacker(dir);
  await unpacker.init();
  // The iterator must exist before bytes flow: the extractor drops entries nobody listens for.
  const entries = extract[Symbol.asyncIterator]();

  // Producer: decompressed bytes → hash → extractor, with backpressure.
  const feed = (async () => {
    try {
      for await (const chunk of stream) {
        o.signal?.throwIfAborted();
        const b = chunk as Buffer;
        hash.update(b);
        if (o.onChunk) await o.onChunk(b);
        if (!extract.write(b)) await new Promise<void>((res, rej) => {
          const onDrain = () => { extract.off('error', onErr); res(); };
          const onErr = (e: Error) => { extract.off('drain', onDrain); rej(e); };
          extract.once('drain', onDrain);
          extract.once('error', onErr);
        });
      }
      (extract as unknown as { end(): void }).end();
    } catch (err) {
      const e = o.signal?.aborted ? err : badLayer(err);
      extract.destroy(e as Error);
      throw e;
    }
  })();
  feed.catch(() => {}); // observed below

  let size = 0;
  try {
    for (let r = await entries.next(); !r.done; r = await entries.next()) {
      const entry = r.value;
      o.signal?.throwIfAborted();
      size += entry.header.size ?? 0;
      await unpacker.entry(entry as unknown as Entry);
    }
  } catch (err) {
    stream.destroy();
    extract.destroy();
    await feed.catch(() => {});
    if (o.signal?.aborted) throw o.signal.reason ?? err;
    if (isEngineError(err)) throw err;
    const code = errnoCode(err);
    throw code ? internal(`failed to apply layer: ${(err as Error).message}`, { cause: err }) : badLayer(err);
  }
  await feed;
  await unpacker.finish();
  return { diffId: `sha256:${hash.digest('hex')}` as Digest, size };
}

type Entry = { header: tar.Header; resume(): unknown } & AsyncIterable<Buffer>;

/** Writes tar entries under root; keeps what it created so that a fresh root needs no lstat per entry. */
class Unpacker {
  private readonly root: string;
  /** rel path → is a directory; complete when the root was empty at the start. */
  private readonly known = new Map<string, boolean>();
  private fresh = false;
  private readonly dirTimes: { path: string; atime: Date; mtime: Date }[] = [];
  private readonly isRoot = process.getuid?.() === 0;

  constructor(root: string) {
    this.root = root;
  }

  async init(): Promise<void> {
    this.fresh = (await readdir(this.root)).length === 0;
    this.known.set('', true);
  }

  async finish(): Promise<void> {
    // Directory times last: creating entries inside a directory changes its mtime.
    for (const d of this.dirTimes.reverse()) await utimes(d.path, d.atime, d.mtime);
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Layer-root-relative, normalised name; refuses names that climb out of the root. */
  private clean(name: string, what = 'entry'): string {
    const n = posix.normalize(name.replace(/^(\.\/)+/, ''));
    if (n === '..' || n.startsWith('../')) throw invalidArgument(`invalid tar ${what} ${JSON.stringify(name)}: outside of the layer root`);
    return posix.normalize(`/${n}`).slice(1).replace(/\/$/, '');
  }

  /** Kind of what exists at rel (never following symlinks): 'dir', 'other' or undefined. */
  private async existing(rel: string): Promise<'dir' | 'other' | undefined> {
    const k = this.known.get(rel);
    if (k !== undefined) return k ? 'dir' : 'other';
    if (this.fresh) return undefined;
    try {
      const st = await lstat(this.abs(rel));
      this.known.set(rel, st.isDirectory());
      return st.isDirectory() ? 'dir' : 'other';
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Makes every component of rel a real directory (creating missing ones 0755); refuses symlinks. */
  private async ensureDir(rel: string, name: string, create: boolean): Promise<void> {
    if (rel === '' || this.known.get(rel) === true) return;
    await this.ensureDir(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), name, create);
    const kind = await this.existing(rel);
    if (kind === 'dir') return;
    if (kind === 'other') throw invalidArgument(`invalid tar entry ${JSON.stringify(name)}: parent ${rel} is not a directory`);
    if (!create) throw invalidArgument(`invalid tar entry ${JSON.stringify(name)}: ${rel} does not exist`);
    await mkdir(this.abs(rel), 0o755);
    this.known.set(rel, true);
  }

  /** Removes whatever is at rel (and forgets what was known below it). */
  private async removeExisting(rel: string): Promise<void> {
    const kind = await this.existing(rel);
    if (kind === undefined) return;
    await rm(this.abs(rel), { recursive: true, force: true });
    this.known.delete(rel);
    if (kind === 'dir') for (const k of [...this.known.keys()]) if (k.startsWith(`${rel}/`)) this.known.delete(k);
    if (!this.fresh) return;
    // A removed path is now known to be absent; 'fresh' mode treats unknown paths as absent already.
  }

  async entry(entry: Entry): Promise<void> {
    const h = entry.header;
    const rel = this.clean(h.name);
    const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    const base = posix.basename(rel);
    if (rel !== '') await this.ensureDir(parent, h.name, true);

    if (base.startsWith(WHITEOUT_PREFIX)) {
      entry.resume();
      if (base === WHITEOUT_OPAQUE) {
        lsetxattr(this.abs(parent), 'trusted.overlay.opaque', Buffer.from('y'));
      } else if (!base.startsWith(WHITEOUT_META_PREFIX)) {
        const target = posix.join(parent, base.slice(WHITEOUT_PREFIX.length));
        await this.removeExisting(target);
        mknod(this.abs(target), S_IFCHR, 0n);
        this.known.set(target, false);
      }
      return;
    }

    const path = this.abs(rel);
    const kind = await this.existing(rel);
    if (kind !== undefined && !(kind === 'dir' && h.type === 'directory')) await this.removeExisting(rel);
    const mode = (h.mode ?? 0o644) & 0o7777;

    switch (h.type) {
      case 'file':
      case 'contiguous-file':
      case null:
      case undefined: {
        const fh = await open(path, 'wx', 0o600);
        try {
          await writeChunks(fh, entry);
        } finally {
          await fh.close();
        }
        break;
      }
      case 'directory':
        entry.resume();
        if (kind !== 'dir' && rel !== '') await mkdir(path, 0o755);
        this.known.set(rel, true);
        break;
      case 'symlink':
        entry.resume();
        await symlink(h.linkname ?? '', path);
        break;
      case 'link': {
        entry.resume();
        const target = this.clean(h.linkname ?? '', 'hardlink target');
        const tparent = posix.dirname(target) === '.' ? '' : posix.dirname(target);
        await this.ensureDir(tparent, h.name, false);
        const tkind = await this.existing(target);
        if (tkind !== 'other') throw invalidArgument(`invalid tar entry ${JSON.stringify(h.name)}: hardlink target ${JSON.stringify(h.linkname)} is not a file in the layer`);
        await link(this.abs(target), path);
        this.known.set(rel, false);
        return; // a hardlink shares its target's metadata
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        entry.resume();
        const type = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        mknod(path, type | mode, makedev(h.devmajor ?? 0, h.devminor ?? 0));
        break;
      }
      default:
        entry.resume();
        return; // unsupported types (e.g. GNU sparse) are skipped, as Docker does for unknown ones
    }
    if (h.type !== 'directory') this.known.set(rel, false);
    await this.setMetadata(path, h, mode);
  }

  private async setMetadata(path: string, h: tar.Header, mode: number): Promise<void> {
    const uid = h.uid ?? 0;
    const gid = h.gid ?? 0;
    if (!this.isRoot || uid !== 0 || gid !== 0) await lchown(path, uid, gid);
    // chmod after chown: chown clears setuid/setgid bits.
    if (h.type !== 'symlink') await chmod(path, mode);
    for (const [k, v] of Object.entries((h.pax ?? {}) as Record<string, string>)) {
      if (!k.startsWith('SCHILY.xattr.')) continue;
      const name = k.slice('SCHILY.xattr.'.length);
      // A layer must not forge overlayfs metadata (opaque dirs, redirects) through xattrs.
      if (name.startsWith('trusted.overlay.')) continue;
      lsetxattr(path, name, Buffer.from(v, 'latin1'));
    }
    const mtime = h.mtime ?? new Date();
    if (h.type === 'directory') this.dirTimes.push({ path, atime: mtime, mtime });
    else await lutimes(path, mtime, mtime);
  }
}
