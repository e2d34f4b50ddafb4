/** docker's `--label k=v` / `--opt k=v` lists as a map (a bare `k` maps to ""). */
export function keyValues(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq === 0) throw new Error(`invalid key/value pair format: ${p}`);
    if (eq < 0) out[p] = '';
    else out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}
