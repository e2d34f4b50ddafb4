/**
 * `.dockerignore` lines as moby/patternmatcher/ignorefile.ReadAll reads them: comments and blank lines dropped,
 * paths cleaned, a leading `/` removed, `!` exceptions kept. Shared by the builder (daemon side) and the CLI,
 * which leaves excluded files out of the context it sends.
 */
import { posix } from 'node:path';

export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (let line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (line === '') continue;
    let invert = false;
    if (line.startsWith('!')) { invert = true; line = line.slice(1).trim(); }
    if (line.length > 0) {
      line = posix.normalize(line);
      if (line.length > 1) line = line.replace(/\/+$/, '');
      if (line.length > 1 && line.startsWith('/')) line = line.replace(/^\/+/, '');
    }
    out.push(invert ? '!' + line : line);
  }
  return out;
}
