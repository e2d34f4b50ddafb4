/**
 * Content checksums of COPY/ADD sources for cache keys: a sha256 over the selected files' relative paths, types,
 * permission bits, uid/gid, sizes, content digests and symlink targets — never mtimes (BuildKit's contenthash
 * idea). Source selection follows the classic builder (daemon/builder/dockerfile/copy.go): a leading `/` or `./`
 * is dropped, wildcards are matched with Go's filepath.Match against every path of the context, a named
 * symlink is followed inside the context, a directory brings its whole tree.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { errnoCode, invalidArgument, notFound } from '../../lib/index.ts';
import { createMatcher } from './dockerignore.ts';
import { containsWildcards, filepathMatch } from './filepath-match.ts';
import { resolveInScope } from './scoped-path.ts';

export interface ChecksumOptions {
  /** Follow a symlink named directly as a source (Docker does; default true). Links inside directories never are. */
  followSymlinks?: boolean;
  /** Patterns left out (COPY --exclude, or .dockerignore patterns when the context was not filtered). */
  exclude?: readonly string[];
  /**
   * Content digests (sha256 hex by path relative to the context) already known, e.g. computed while the context
   * was extracted; files not listed are read and hashed.
   */
  knownDigests?: ReadonlyMap<string, string>;
  /** Instruction name for error messages (default COPY). */
  cmdName?: string;
  signal?: AbortSignal;
}

export interface SourceSelection {
  /** The pattern as written. */
  pattern: string;
  /** Selected roots relative to the context (a directory stands for its tree). */
  paths: string[];
}

export interface ChecksumResult {
  digest: `sha256:${string}`;
  sources: SourceSelection[];
  /** Every file, directory and link hashed, relative to the context, in hash order. */
  files: string[];
}

async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function cleanSource(p: string): string {
  let s = p.replace(/^\/+/, '');
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/**
 * Resolves `patterns` in `contextDir` and digests what they select. Errors, in the classic builder's words:
 * `COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist`,
 * `COPY failed: forbidden path outside the build context: ../x ()`, `COPY failed: no source files were specified`.
 */
export async function checksumSources(contextDir: string, patterns: readonly string[], o: ChecksumOptions = {}): Promise<ChecksumResult> {
  const cmd = o.cmdName ?? 'COPY';
  const follow = o.followSymlinks ?? true;
  const excl = createMatcher(o.exclude ?? []);
  const sources: SourceSelection[] = [];
  let all: string[] | undefined;

  for (const pattern of patterns) {
    o.signal?.throwIfAborted();
    const src = cleanSource(pattern);
    const norm = posix.normalize(src === '' ? '.' : src);
    if (norm === '..' || norm.startsWith('../')) {
      throw invalidArgument(`${cmd} failed: forbidden path outside the build context: ${pattern} ()`);
    }
    if (containsWildcards(src)) {
      all ??= await listAll(contextDir, excl.excludes);
      const paths: string[] = [];
      for (const rel of all) {
        let ok = false;
        try { ok = filepathMatch(src, rel); } catch { ok = false; }
        if (ok && !paths.some((p) => rel.startsWith(p + '/'))) paths.push(rel);
      }
      sources.push({ pattern, paths });
      continue;
    }
    const rel = norm === '.' ? '' : norm;
    const resolved = await resolveInScope(contextDir, rel, { followLast: follow });
    try {
      await lstat(join(contextDir, resolved));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
        throw notFound(`${cmd} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
      }
      throw err;
    }
    if (rel !== '' && excl.excludes(rel)) {
      throw notFound(`${cmd} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
    }
    sources.push({ pattern, paths: [resolved] });
  }
  if (sources.every((s) => s.paths.length === 0)) throw invalidArgument(`${cmd} failed: no source files were specified`);

  const h = createHash('sha256');
  const files: string[] = [];
  const record = async (rel: string) => {
    const full = join(contextDir, rel);
    const st = await lstat(full);
    const perm = (st.mode & 0o7777).toString(8);
    let kind: string;
    let extra: string;
    if (st.isDirectory()) { kind = 'd'; extra = ''; }
    else if (st.isSymbolicLink()) { kind = 'l'; extra = await readlink(full); }
    else if (st.isFile()) { kind = 'f'; extra = `${st.size}:${o.knownDigests?.get(rel) ?? await hashFile(full, o.signal)}`; }
    else { kind = 'o'; extra = String(st.mode >>> 12); }
    h.update(JSON.stringify([rel, kind, perm, st.uid, st.gid, extra]) + '\n');
    files.push(rel);
    if (kind === 'd') {
      const names = (await readdir(full)).sort();
      for (const n of names) {
        const child = rel === '' ? n : `${rel}/${n}`;
        if (excl.excludes(child)) continue;
        await record(child);
      }
    }
  };
  for (const s of sources) {
    h.update(JSON.stringify(['source', s.pattern, s.paths]) + '\n');
    for (const p of s.paths) {
      o.signal?.throwIfAborted();
      await record(p);
    }
  }
  return { digest: `sha256:${h.digest('hex')}`, sources, files };
}

/** Every path in the context in WalkDir order (lexical, parents before children). */
async function listAll(root: string, skip: (rel: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const names = (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of names) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (skip(r)) continue;
      out.push(r);
      if (e.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return out;
}
