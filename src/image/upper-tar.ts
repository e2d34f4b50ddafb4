/**
 * An overlayfs upper directory as an OCI layer tar (what `docker commit` and the classic builder store): a
 * 0:0 character device (overlay whiteout) becomes an empty `.wh.<name>` file, a directory marked opaque
 * (xattr trusted.overlay.opaque=y) gets a `.wh..wh..opq` entry after it. Entries are written in lexical order,
 * parents before children, mtimes truncated to seconds and no access times, so the same tree always gives the
 * same bytes (and the same diff id). Hardlinks within the layer are written as links to the first name.
 */
import { lstat, open, readdir, readlink, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { lgetxattr, splitDev } from '../lib/syscalls.ts';

type Hdr = Partial<tar.Header> & { name: string };

const MAX_USTAR_ID = 0o777777;
const CHUNK = 256 * 1024;

/**
 * Paths the runtime creates in a container's upper dir as mount targets (Docker keeps them in an "init layer"
 * under the container layer, so they never show in a commit): skipped when they are an empty file or directory.
 */
export const CONTAINER_MOUNT_TARGETS: ReadonlySet<string> = new Set([
  'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab', '.dockerenv', 'proc', 'sys', 'dev', 'dev/pts', 'dev/shm',
  'dev/console', 'dev/mqueue', 'run', 'run/.containerenv',
]);

export interface UpperOptions {
  /** Relative paths to leave out when they are empty files or directories (CONTAINER_MOUNT_TARGETS). */
  skip?: ReadonlySet<string>;
  signal?: AbortSignal;
}

/** Whether an entry is a leftover mount target, or a directory holding only such entries. */
async function skippable(upper: string, rel: string, skip: ReadonlySet<string> | undefined): Promise<boolean> {
  if (!skip || skip.size === 0) return false;
  const path = `${upper}/${rel}`;
  const st = await lstat(path);
  if (st.isFile()) return st.size === 0 && skip.has(rel);
  if (!st.isDirectory() || lgetxattr(path, 'trusted.overlay.opaque')?.toString() === 'y') return false;
  const names = await readdir(path);
  if (names.length === 0) return skip.has(rel);
  for (const n of names) if (!(await skippable(upper, `${rel}/${n}`, skip))) return false;
  return true;
}

/** Deletes the skippable mount targets from an upper dir (before it becomes a layer snapshot of its own). */
export async function removeSkipped(upper: string, skip: ReadonlySet<string>): Promise<void> {
  for (const rel of [...skip].sort().reverse()) {
    try {
      if (await skippable(upper, rel, skip)) await rm(`${upper}/${rel}`, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    }
  }
}

/** True when the upper directory holds no change worth a layer. */
export async function upperIsEmpty(upper: string, o: UpperOptions = {}): Promise<boolean> {
  for (const n of await readdir(upper)) if (!(await skippable(upper, n, o.skip))) return false;
  return true;
}

/** Streams the layer tar of `upper`; the stream errors if the walk fails. */
export function upperTar(upper: string, o: UpperOptions = {}): Readable {
  const pack = tar.pack();
  const links = new Map<string, string>();
  const entry = (h: Hdr, body?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => { pack.entry(h, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())); });

  const writeFile = async (path: string, h: Hdr, size: number): Promise<void> => {
    const fh = await open(path, 'r');
    try {
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ ...h, size }, (err) => (err ? reject(err) : resolve()));
        void (async () => {
          let pos = 0;
          while (pos < size) {
            o.signal?.throwIfAborted();
            const buf = Buffer.alloc(Math.min(CHUNK, size - pos));
            const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
            const chunk = bytesRead === 0 ? buf : buf.subarray(0, bytesRead);
            pos += chunk.length;
            if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
          }
          sink.end(undefined);
        })().catch((err: unknown) => { sink.destroy(err as Error); reject(err as Error); });
      });
    } finally {
      await fh.close();
    }
  };

  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(rel === '' ? upper : `${upper}/${rel}`)).sort();
    for (const n of names) {
      o.signal?.throwIfAborted();
      const name = rel === '' ? n : `${rel}/${n}`;
      const path = `${upper}/${name}`;
      if (await skippable(upper, name, o.skip)) continue;
      const st = await lstat(path, { bigint: true });
      const dirName = rel === '' ? '' : `${rel}/`;
      if (st.isCharacterDevice() && st.rdev === 0n) {
        await entry({ name: `${dirName}.wh.${n}`, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: new Date(0) });
        continue;
      }
      const h: Hdr = {
        name,
        mode: Number(st.mode) & 0o7777,
        uid: Math.min(Number(st.uid), MAX_USTAR_ID),
        gid: Math.min(Number(st.gid), MAX_USTAR_ID),
        mtime: new Date(Number(st.mtimeNs / 1_000_000_000n) * 1000),
      };
      const pax: Record<string, string> = {};
      if (Number(st.uid) > MAX_USTAR_ID) pax.uid = String(st.uid);
      if (Number(st.gid) > MAX_USTAR_ID) pax.gid = String(st.gid);
      const cap = lgetxattr(path, 'security.capability');
      if (cap) pax['SCHILY.xattr.security.capability'] = cap.toString('latin1');
      if (Object.keys(pax).length) h.pax = pax;
      if (st.isDirectory()) {
        await entry({ ...h, name: `${name}/`, type: 'directory' });
        if (lgetxattr(path, 'trusted.overlay.opaque')?.toString() === 'y') {
          await entry({ name: `${name}/.wh..wh..opq`, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: new Date(0) });
        }
        await walk(name);
        continue;
      }
      if (st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        const first = links.get(key);
        if (first !== undefined) {
          await entry({ ...h, type: 'link', linkname: first, size: 0 });
          continue;
        }
        links.set(key, name);
      }
      if (st.isSymbolicLink()) await entry({ ...h, type: 'symlink', linkname: await readlink(path) });
      else if (st.isFIFO()) await entry({ ...h, type: 'fifo' });
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const { major, minor } = splitDev(st.rdev);
        await entry({ ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major, devminor: minor });
      } else if (st.isFile()) await writeFile(path, { ...h, type: 'file' }, Number(st.size));
      // sockets are skipped, as Docker does
    }
  };
  walk('').then(() => pack.finalize(), (err: unknown) => pack.destroy(err as Error));
  return pack as unknown as Readable;
}
