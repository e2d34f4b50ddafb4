/** docker's -f/--filter key=value flags, encoded as the API's `filters` JSON ({"key":{"value":true}}). */
export function encodeFilters(pairs: readonly string[]): string | undefined {
  if (pairs.length === 0) return undefined;
  const filters: Record<string, Record<string, boolean>> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`bad format of filter (expected name=value)`);
    const key = pair.slice(0, eq).trim().toLowerCase();
    const value = pair.slice(eq + 1).trim();
    (filters[key] ??= {})[value] = true;
  }
  return JSON.stringify(filters);
}
