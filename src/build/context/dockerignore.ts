/**
 * `.dockerignore`: read as moby/patternmatcher/ignorefile.ReadAll does (comments, blank lines, leading `/`
 * dropped, paths cleaned, `!` exceptions) and matched with @balena/dockerignore, which agrees with Docker.
 */
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { posix, join } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { errnoCode } from '../../lib/index.ts';
import { parseDockerignore } from '../../lib/dockerignore.ts';

export { parseDockerignore };

export async function readDockerignore(dir: string): Promise<string[]> {
  try {
    return parseDockerignore(await readFile(join(dir, '.dockerignore'), 'utf8'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

export interface Matcher { excludes: (rel: string) => boolean; patterns: readonly string[] }

/** True when `rel` (or one of its parents) is excluded, as patternmatcher.MatchesOrParentMatches. */
export function createMatcher(patterns: readonly string[]): Matcher {
  const ig = dockerignore.default().add([...patterns]);
  return { excludes: (rel: string) => rel !== '' && ig.ignores(rel), patterns };
}

/**
 * Deletes excluded files from an extracted context. `keep` paths (the Dockerfile, `.dockerignore`) survive so
 * they can be read; Docker removes them afterwards if they are excluded (removeExcludedControlFiles).
 */
export async function applyDockerignore(dir: string, m: Matcher, keep: readonly string[] = []): Promise<void> {
  if (m.patterns.length === 0) return;
  const keepSet = new Set(keep);
  const keepParents = new Set<string>();
  for (const k of keep) for (let p = posix.dirname(k); p !== '.' && p !== '/'; p = posix.dirname(p)) keepParents.add(p);
  const hasExceptions = m.patterns.some((p) => p.startsWith('!'));
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (keepSet.has(r)) continue;
      const excluded = m.excludes(r);
      if (e.isDirectory()) {
        if (excluded && !hasExceptions && !keepParents.has(r)) { await rm(join(dir, r), { recursive: true, force: true }); continue; }
        await walk(r);
        if (excluded) await rmdir(join(dir, r)).catch(() => undefined); // only if now empty
      } else if (excluded) {
        await rm(join(dir, r), { force: true });
      }
    }
  };
  await walk('');
}

/** After the Dockerfile was read: drop `.dockerignore` and the Dockerfile from the context if excluded (moby). */
export async function removeExcludedControlFiles(dir: string, m: Matcher, dockerfile: string): Promise<void> {
  for (const f of ['.dockerignore', dockerfile]) {
    if (m.excludes(f)) await rm(join(dir, f), { recursive: true, force: true });
  }
}
