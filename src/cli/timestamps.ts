/** --since/--until values as the API wants them (docker api/types/time GetTimestamp). */
const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** docker's timetypes.GetTimestamp: unix seconds, a Go duration ("42m" → now-42m) or an RFC 3339 date. */
export function toTimestamp(value: string, nowMs: number = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    let seconds = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) seconds += Number(m[1]) * UNITS[m[2]];
    return ((nowMs / 1000) - seconds).toFixed(9);
  }
  const parsed = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(parsed)) throw new Error(`invalid value for "since": failed to parse value as time or duration: "${value}"`);
  return (parsed / 1000).toFixed(9);
}
