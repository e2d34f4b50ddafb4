/**
 * The classic `/build` context: tar body → temp directory, `.dockerignore` applied, Dockerfile located and read
 * (moby builder/remotecontext detect.go: default `Dockerfile` falls back to `dockerfile`; `-f -` arrives as a
 * random name inside the tar; names are resolved inside the context, symlinks included).
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { errnoCode, invalidArgument, notFound } from '../../lib/index.ts';
import { applyDockerignore, createMatcher, readDockerignore, removeExcludedControlFiles, type Matcher } from './dockerignore.ts';
import { extractContext } from './extract.ts';
import { resolveInScope } from './scoped-path.ts';
import type { Compression } from '../../lib/index.ts';

export const DEFAULT_DOCKERFILE_NAME = 'Dockerfile';

export interface BuildContext extends AsyncDisposable {
  /** The extracted context root. */
  readonly dir: string;
  /** The Dockerfile's path relative to the context as found (`Dockerfile`, `dockerfile`, `.dockerfile.x`). */
  readonly dockerfilePath: string;
  readonly dockerfileText: string;
  /** `.dockerignore` patterns (already applied to `dir`; use for COPY checksums as well). */
  readonly ignore: Matcher;
  readonly compression: Compression;
  /** Content digests of the context's regular files, hashed while extracting (pass to checksumSources). */
  readonly fileDigests: ReadonlyMap<string, string>;
}

export interface OpenContextOptions {
  /** The API's `dockerfile` parameter (default `Dockerfile`). */
  dockerfile?: string;
  /** Parent for the temp directory (default os.tmpdir()). */
  tmpRoot?: string;
  signal?: AbortSignal;
}

/**
 * Reads a Dockerfile inside `dir` as Docker does. Errors: `Cannot locate specified Dockerfile: X` (not-found),
 * `the Dockerfile (X) cannot be empty` (invalid-argument).
 */
export async function locateDockerfile(dir: string, name = DEFAULT_DOCKERFILE_NAME): Promise<{ path: string; text: string }> {
  const rel = await resolveInScope(dir, name);
  let text: string;
  try {
    const st = await stat(join(dir, rel));
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    text = await readFile(join(dir, rel), 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (name === DEFAULT_DOCKERFILE_NAME) {
        const lower = name.toLowerCase();
        const found = await stat(join(dir, await resolveInScope(dir, lower))).then(() => true, () => false);
        if (found) return locateDockerfile(dir, lower);
      }
      throw notFound(`Cannot locate specified Dockerfile: ${name}`);
    }
    throw err;
  }
  if (text.length === 0) throw invalidArgument(`the Dockerfile (${name}) cannot be empty`);
  return { path: rel, text };
}

/** Extracts the context and reads the Dockerfile. Dispose to delete the temp directory. */
export async function openBuildContext(body: Readable, o: OpenContextOptions = {}): Promise<BuildContext> {
  const dir = await mkdtemp(join(o.tmpRoot ?? tmpdir(), 'berth-build-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const { compression, fileDigests } = await extractContext(body, dir, { signal: o.signal });
    const name = o.dockerfile || DEFAULT_DOCKERFILE_NAME;
    const ignore = createMatcher(await readDockerignore(dir));
    const keepName = posix.normalize(name.replace(/^\/+/, ''));
    await applyDockerignore(dir, ignore, ['.dockerignore', keepName, keepName.toLowerCase()]);
    const df = await locateDockerfile(dir, name);
    await removeExcludedControlFiles(dir, ignore, df.path);
    return {
      dir, dockerfilePath: df.path, dockerfileText: df.text, ignore, compression, fileDigests,
      [Symbol.asyncDispose]: dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}
