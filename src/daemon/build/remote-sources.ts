/**
 * ADD <url>: the classic builder's downloadSource (moby builder/dockerfile copy.go) plus BuildKit's --checksum.
 * The daemon fetches the URL itself (its own network namespace), into a temp directory, as a single file named
 * from the URL path or else the Content-Disposition filename; the file is mode 0600 with the Last-Modified time
 * (the Unix epoch without one) and is never unpacked. Its content digest is what the step's cache key uses, so
 * the download always happens before the cache is probed, as in the classic builder.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, open, rm, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidArgument } from '../../lib/index.ts';
import type { CopySource } from './copy.ts';

export const isRemoteUrl = (s: string): boolean => /^https?:\/\//i.test(s);

export interface RemoteSources {
  /** One source per URL: its temp directory and file name. */
  sources: CopySource[];
  /** Content digests (`sha256:...`) in source order, for the cache key. */
  digests: string[];
  cleanup(): Promise<void>;
}

export interface DownloadOptions {
  /** The instruction, for the classic builder's `ADD failed: ...` errors. */
  cmdName: string;
  /** Parent of the temp directories. */
  tmpRoot: string;
  /** ADD --checksum (`sha256:<hex>`; sha384 and sha512 too), verified after the download. */
  checksum: string;
  /** Download progress and the blank line the classic builder prints after it. */
  write?: (m: object) => void;
  signal?: AbortSignal;
}

/** BuildKit's rules for --checksum (dockerfile2llb): ADD only, one source, an HTTP(S) one, a valid digest. */
export function checkChecksumFlag(cmdName: string, checksum: string, sources: readonly string[]): void {
  if (checksum === '') return;
  if (cmdName !== 'ADD') throw invalidArgument("checksum can't be specified for COPY");
  if (sources.length !== 1) throw invalidArgument("checksum can't be specified for multiple sources");
  if (!isRemoteUrl(sources[0]!)) throw invalidArgument("checksum can't be specified for non-HTTP(S) sources");
  if (!/^(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/.test(checksum)) {
    throw invalidArgument(`invalid checksum digest format: ${checksum}`);
  }
}

/** moby getFilenameForDownload: the last URL path element, else Content-Disposition's filename. */
export function filenameForDownload(path: string, contentDisposition: string | null): string {
  if (path !== '' && !path.endsWith('/')) {
    const base = posix.basename(path);
    if (base !== '' && base !== '.' && base !== '..') return base;
  }
  const m = contentDisposition ? /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(contentDisposition) : null;
  const name = m ? (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!) : '';
  if (name !== '' && !name.endsWith('/')) {
    const base = posix.basename(name);
    if (base !== '' && base !== '.' && base !== '..') return base;
  }
  return '';
}

/** Downloads every URL; on failure removes what it fetched. */
export async function downloadSources(urls: readonly string[], o: DownloadOptions): Promise<RemoteSources> {
  const dirs: string[] = [];
  const cleanup = async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }).catch(() => undefined); };
  try {
    const sources: CopySource[] = [];
    const digests: string[] = [];
    for (const url of urls) {
      const dir = await mkdtemp(join(o.tmpRoot, 'remote-'));
      dirs.push(dir);
      const algo = o.checksum ? o.checksum.slice(0, o.checksum.indexOf(':')) : 'sha256';
      const { name, sha256, checked } = await downloadOne(url, dir, algo, o);
      if (o.checksum && checked !== o.checksum) throw invalidArgument(`digest mismatch ${checked}: ${o.checksum}`);
      sources.push({ root: dir, paths: [name], noDecompress: true });
      digests.push(sha256);
    }
    return { sources, digests, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Fetches one URL into `dir`; returns the file name, its sha256 and its digest in `algo` (the --checksum's). */
async function downloadOne(url: string, dir: string, algo: string, o: DownloadOptions): Promise<{ name: string; sha256: string; checked: string }> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalidArgument(`${o.cmdName} failed: parse "${url}": invalid URL`);
  }
  let resp: Response;
  try {
    resp = await fetch(u, { signal: o.signal, redirect: 'follow' });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw invalidArgument(`${o.cmdName} failed: Get "${url}": ${cause}`);
  }
  // moby remotecontext.GetWithStatusError
  if (resp.status >= 400) {
    const body = (await resp.text().catch(() => '')).trim();
    throw invalidArgument(`${o.cmdName} failed: failed to GET ${url} with status ${resp.status} ${resp.statusText}: ${body}`);
  }
  let path = u.pathname;
  try {
    path = decodeURIComponent(path); // Go's url.URL.Path is the decoded path
  } catch {
    // a malformed escape stays as written
  }
  const name = filenameForDownload(path, resp.headers.get('content-disposition'));
  if (name === '') {
    await resp.body?.cancel();
    throw invalidArgument(`${o.cmdName} failed: cannot determine filename for source ${url}`);
  }
  const file = join(dir, name);
  const sha256 = createHash('sha256');
  const checked = algo === 'sha256' ? undefined : createHash(algo);
  const total = Number(resp.headers.get('content-length') ?? -1);
  const fh = await open(file, 'wx', 0o600);
  let current = 0;
  let last = 0;
  try {
    if (resp.body) {
      for await (const chunk of resp.body as AsyncIterable<Uint8Array>) {
        sha256.update(chunk);
        checked?.update(chunk);
        await fh.write(chunk);
        current += chunk.length;
        const now = Date.now();
        if (o.write && now - last >= 100) {
          last = now;
          o.write({ status: 'Downloading', progressDetail: total > 0 ? { current, total } : { current } });
        }
      }
    }
  } finally {
    await fh.close();
  }
  o.write?.({ status: 'Downloading', progressDetail: { current, total: total > 0 ? total : current } });
  o.write?.({ stream: '\n' });
  await chmod(file, 0o600);
  const lastModified = Date.parse(resp.headers.get('last-modified') ?? '');
  const mtime = Number.isNaN(lastModified) ? new Date(0) : new Date(lastModified);
  await utimes(file, mtime, mtime);
  const sum = `sha256:${sha256.digest('hex')}`;
  return { name, sha256: sum, checked: checked ? `${algo}:${checked.digest('hex')}` : sum };
}

/** A COPY/ADD step's sources split: the URLs downloaded (ADD only) and the context patterns left. */
export interface SplitSources extends RemoteSources {
  local: string[];
}

/**
 * Checks --checksum, refuses URLs in COPY (moby: "source can't be a URL for COPY") and downloads ADD's URLs.
 * Steps without URLs cost nothing.
 */
export async function openRemoteSources(cmdName: 'COPY' | 'ADD', sourcePaths: readonly string[], checksum: string, o: Omit<DownloadOptions, 'checksum' | 'cmdName'>): Promise<SplitSources> {
  checkChecksumFlag(cmdName, checksum, sourcePaths);
  const urls = sourcePaths.filter(isRemoteUrl);
  const local = sourcePaths.filter((p) => !isRemoteUrl(p));
  if (urls.length === 0) return { local, sources: [], digests: [], cleanup: async () => undefined };
  if (cmdName === 'COPY') throw invalidArgument(`${cmdName} failed: source can't be a URL for ${cmdName}`);
  return { local, ...(await downloadSources(urls, { ...o, checksum, cmdName })) };
}
