/**
 * The build context as the docker CLI sends it: the directory as a tar (uid/gid 0), without what .dockerignore
 * excludes — except the Dockerfile and .dockerignore themselves, which the daemon needs and removes later.
 * A Dockerfile outside the context (or from `-f -`) is added under a random name, as docker does.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import * as tar from 'tar-stream';
import { parseDockerignore } from '../../../lib/dockerignore.ts';

export interface PackedContext {
  stream: Readable;
  /** The `dockerfile` parameter: a path inside the tar. */
  dockerfile: string;
  done: Promise<void>;
}

/** `dir` undefined: an empty context holding only the given Dockerfile text. */
export async function packContext(dir: string | undefined, o: { dockerfile?: string; dockerfileText?: string }): Promise<PackedContext> {
  const root = dir === undefined ? undefined : resolve(dir);
  const patterns = root === undefined ? [] : await readFile(join(root, '.dockerignore'), 'utf8').then(parseDockerignore, () => [] as string[]);
  const ig = dockerignore.default().add(patterns);
  const hasExceptions = patterns.some((p) => p.startsWith('!'));
  let dockerfile = o.dockerfile && root !== undefined ? relative(root, resolve(o.dockerfile)).split(sep).join('/') : 'Dockerfile';
  let extra: Buffer | undefined;
  if (o.dockerfileText !== undefined || dockerfile.startsWith('../')) {
    extra = o.dockerfileText !== undefined ? Buffer.from(o.dockerfileText) : await readFile(resolve(o.dockerfile!));
    dockerfile = `.dockerfile.${randomBytes(10).toString('hex')}`;
  }
  const always = new Set([dockerfile, '.dockerignore']);
  const pack = tar.pack();
  const owner = { uid: 0, gid: 0, uname: '', gname: '' };
  const add = (header: Partial<tar.Header> & { name: string }, body: Buffer = Buffer.alloc(0)) => new Promise<void>((res, rej) => pack.entry({ ...owner, ...header }, body, (err) => (err ? rej(err) : res())));
  const walk = async (root: string, rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const excluded = !always.has(r) && ig.ignores(r);
      const st = await lstat(join(root, r));
      if (st.isDirectory()) {
        if (excluded && !hasExceptions) continue;
        if (!excluded) await add({ name: `${r}/`, type: 'directory', mode: st.mode & 0o7777, mtime: st.mtime });
        await walk(root, r);
        continue;
      }
      if (excluded) continue;
      const base = { name: r, mode: st.mode & 0o7777, mtime: st.mtime };
      if (st.isSymbolicLink()) await add({ ...base, type: 'symlink', linkname: await readlink(join(root, r)) });
      else if (st.isFile()) {
        await new Promise<void>((res, rej) => {
          const entry = pack.entry({ ...owner, ...base, type: 'file', size: st.size }, (err) => (err ? rej(err) : res()));
          void (async () => {
            for await (const chunk of createReadStream(join(root, r))) if (!entry.write(chunk)) await once(entry, 'drain');
            entry.end(Buffer.alloc(0));
          })().catch(rej);
        });
      }
    }
  };
  const done = (async () => {
    try {
      if (root !== undefined) await walk(root, '');
      if (extra) await add({ name: dockerfile, type: 'file', mode: 0o600, mtime: new Date() }, extra);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
      throw err;
    }
  })();
  // tar-stream 3 packs are streamx streams: wrap for APIs that expect a Node Readable.
  return { stream: Readable.from(pack as unknown as AsyncIterable<Buffer>), dockerfile, done };
}

/** True when the bytes start a tar or a compressed stream (docker build - reads either a context or a Dockerfile). */
export function looksLikeArchive(head: Buffer): boolean {
  const magic = (bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (magic([0x1f, 0x8b]) || magic([0x42, 0x5a, 0x68]) || magic([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) || magic([0x28, 0xb5, 0x2f, 0xfd])) return true;
  return head.length >= 262 && head.subarray(257, 262).toString() === 'ustar';
}
