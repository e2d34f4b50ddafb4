/**
 * Go's path/filepath.Match on '/'-separated paths: `*` any run of non-separators, `?` one non-separator,
 * `[a-z]` / `[^a-z]` classes, `\` escapes. Throws 'syntax error in pattern' (ErrBadPattern) like Go.
 */
export function filepathMatch(pattern: string, name: string): boolean {
  const p = Array.from(pattern);
  const n = Array.from(name);
  return matchAt(p, 0, n, 0);
}

const BAD = () => new Error('syntax error in pattern');

function matchAt(p: string[], pi: number, n: string[], ni: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return !n.slice(ni).includes('/');
      for (let k = ni; k <= n.length; k++) {
        if (k > ni && n[k - 1] === '/') break;
        if (matchAt(p, pi, n, k)) return true;
      }
      // Go still validates the rest of the pattern.
      validate(p, pi);
      return false;
    }
    if (ni >= n.length) { validate(p, pi); return false; }
    if (c === '?') {
      if (n[ni] === '/') return false;
      pi++; ni++;
      continue;
    }
    if (c === '[') {
      const r = matchClass(p, pi + 1, n[ni]!);
      if (!r.ok) return false;
      pi = r.next; ni++;
      continue;
    }
    if (c === '\\') {
      pi++;
      if (pi >= p.length) throw BAD();
    }
    if (p[pi] !== n[ni]) return false;
    pi++; ni++;
  }
  return ni === n.length;
}

function matchClass(p: string[], i: number, ch: string): { ok: boolean; next: number } {
  if (ch === '/') { classEnd(p, i); return { ok: false, next: 0 }; }
  let negated = false;
  if (p[i] === '^') { negated = true; i++; }
  let matched = false;
  let nrange = 0;
  for (;;) {
    if (i >= p.length) throw BAD();
    if (p[i] === ']' && nrange > 0) { i++; break; }
    let lo = p[i]!;
    if (lo === '\\') { i++; if (i >= p.length) throw BAD(); lo = p[i]!; }
    else if (lo === '-' || lo === ']') { if (nrange === 0 && lo === ']') throw BAD(); if (lo === '-') throw BAD(); }
    i++;
    let hi = lo;
    if (p[i] === '-') {
      i++;
      if (i >= p.length) throw BAD();
      hi = p[i]!;
      if (hi === '\\') { i++; if (i >= p.length) throw BAD(); hi = p[i]!; }
      else if (hi === ']' || hi === '-') throw BAD();
      i++;
      if ((lo.codePointAt(0) ?? 0) > (hi.codePointAt(0) ?? 0)) throw BAD();
    }
    const c = ch.codePointAt(0)!;
    if (lo.codePointAt(0)! <= c && c <= hi.codePointAt(0)!) matched = true;
    nrange++;
  }
  return { ok: matched !== negated, next: i };
}

function classEnd(p: string[], i: number): void {
  if (p[i] === '^') i++;
  let first = true;
  for (; i < p.length; i++) {
    if (p[i] === '\\') { i++; continue; }
    if (p[i] === ']' && !first) return;
    first = false;
  }
  throw BAD();
}

function validate(p: string[], i: number): void {
  for (; i < p.length; i++) {
    if (p[i] === '\\') { if (++i >= p.length) throw BAD(); }
    else if (p[i] === '[') classEnd(p, i + 1);
  }
}

/** Docker's containsWildcards (unix): an unescaped `*`, `?` or `[`. */
export function containsWildcards(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}
