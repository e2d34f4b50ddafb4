/** The filesystem StorageDriver: driver paths map below one root directory. */
import { close as fsClose, createReadStream, open as fsOpen } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { errnoCode, fsyncDir, invalidArgument, notFound } from '../../lib/index.ts';
import type { FileInfo, FileWriter, Op, StorageDriver } from './storage-driver.ts';

/** Coalesce small HTTP chunks into writes of this size. */
const WRITE_BUFFER = 1 << 20;

export class FilesystemDriver implements StorageDriver {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  private full(p: string): string {
    const norm = posix.normalize('/' + p);
    if (norm !== '/' + p.replace(/^\/+/, '') || norm.split('/').includes('..')) throw invalidArgument(`invalid storage path ${p}`);
    return join(this.root, norm);
  }

  private async wrap<T>(p: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw notFound(`path not found: ${p}`, { cause: err });
      throw err;
    }
  }

  async getContent(p: string, o?: Op): Promise<Uint8Array> {
    o?.signal?.throwIfAborted();
    return this.wrap(p, () => readFile(this.full(p), { signal: o?.signal }));
  }

  async putContent(p: string, b: Uint8Array, o?: Op): Promise<void> {
    o?.signal?.throwIfAborted();
    const target = this.full(p);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(b);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async reader(p: string, offset: number, o?: Op & { length?: number }): Promise<Readable> {
    const full = this.full(p);
    // Open the raw fd (fs.open, not a FileHandle): ReadStream's fd path is much faster than FileHandle reads.
    const fd = await this.wrap(p, () => new Promise<number>((res, rej) => fsOpen(full, 'r', (err, n) => (err ? rej(err) : res(n)))));
    if (o?.length === 0) {
      fsClose(fd);
      return Readable.from([]);
    }
    const end = o?.length !== undefined ? offset + o.length - 1 : undefined;
    const stream = createReadStream('', { fd, start: offset, end, highWaterMark: 1 << 20 });
    // An abort (the client went away) closes the stream without an error: given as the stream's own `signal`,
    // the AbortError could be emitted after the consumer's pipeline had stopped listening, and crash the process.
    const signal = o?.signal;
    if (signal) {
      const onAbort = () => stream.destroy();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        stream.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
    return stream;
  }

  async writer(p: string, append: boolean, o?: Op): Promise<FileWriter> {
    o?.signal?.throwIfAborted();
    const full = this.full(p);
    await mkdir(dirname(full), { recursive: true });
    const fh = await open(full, append ? 'a' : 'w', 0o644);
    const size = append ? (await fh.stat()).size : 0;
    return new FsFileWriter(fh, full, size);
  }

  async stat(p: string, o?: Op): Promise<FileInfo> {
    o?.signal?.throwIfAborted();
    const st = await this.wrap(p, () => stat(this.full(p)));
    return { path: p, size: st.size, modTime: st.mtime, isDir: st.isDirectory() };
  }

  async list(p: string, o?: Op): Promise<string[]> {
    o?.signal?.throwIfAborted();
    const names = await this.wrap(p, () => readdir(this.full(p)));
    const base = p.endsWith('/') ? p : p + '/';
    return names.filter((n) => !n.endsWith('.tmp')).map((n) => base + n);
  }

  async move(from: string, to: string, o?: Op): Promise<void> {
    o?.signal?.throwIfAborted();
    const dst = this.full(to);
    await mkdir(dirname(dst), { recursive: true });
    await this.wrap(from, () => rename(this.full(from), dst));
    await fsyncDir(dirname(dst));
  }

  async delete(p: string, o?: Op): Promise<void> {
    o?.signal?.throwIfAborted();
    const full = this.full(p);
    await this.wrap(p, () => stat(full));
    await rm(full, { recursive: true, force: true });
  }
}

class FsFileWriter implements FileWriter {
  private readonly fh: FileHandle;
  private readonly path: string;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written: number;
  private closed = false;

  constructor(fh: FileHandle, path: string, size: number) {
    this.fh = fh;
    this.path = path;
    this.written = size;
  }

  get size(): number {
    return this.written + this.pendingBytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('write on a closed FileWriter');
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= WRITE_BUFFER) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const bufs = this.pending;
    const n = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    let { bytesWritten } = await this.fh.writev(bufs);
    // writev may write less than asked: finish the rest with plain writes.
    if (bytesWritten < n) {
      const all = Buffer.concat(bufs);
      while (bytesWritten < n) bytesWritten += (await this.fh.write(all, bytesWritten, n - bytesWritten)).bytesWritten;
    }
    this.written += n;
  }

  async commit(): Promise<void> {
    await this.flush();
    await this.fh.sync();
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.fh.close();
  }

  async cancel(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.closed) {
      this.closed = true;
      await this.fh.close();
    }
    await rm(this.path, { force: true });
  }
}
