/** BuildKit util/suggest: append ` (did you mean X?)` when a known word is within Levenshtein distance 2. */
export function suggest(message: string, val: string, options: readonly string[], caseSensitive: boolean): string {
  const match = search(val, options, caseSensitive);
  return match ? `${message} (did you mean ${match}?)` : message;
}

function search(val: string, options: readonly string[], caseSensitive: boolean): string | undefined {
  const orig = val;
  if (!caseSensitive) val = val.toLowerCase();
  let match = '';
  let min = 3;
  for (let opt of options) {
    if (!caseSensitive) opt = opt.toLowerCase();
    if (val === opt) return undefined;
    const d = levenshtein(val, opt);
    if (d < min) {
      match = caseSensitive ? opt : matchCase(opt, orig);
      min = d;
    }
  }
  return match || undefined;
}

function matchCase(val: string, orig: string): string {
  if (orig === orig.toLowerCase()) return val.toLowerCase();
  if (orig === orig.toUpperCase()) return val.toUpperCase();
  return val;
}

function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length]!;
}
