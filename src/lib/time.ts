/** Timestamps as Docker writes them: RFC 3339 in UTC with nanoseconds. */
export function rfc3339Nano(d: Date = new Date(), extraNanos = Number(process.hrtime.bigint() % 1_000_000n)): string {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 23)}${String(extraNanos).padStart(6, '0')}Z`;
}

/** Parses Docker-style time arguments: unix seconds (fractional allowed) or RFC 3339. Returns unix seconds. */
export function parseUnixTime(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`invalid time ${v}`);
  return ms / 1000;
}
