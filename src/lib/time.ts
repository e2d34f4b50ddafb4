import { invalidArgument } from './errdefs.ts';
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

/** `until` filters: a unix timestamp, RFC 3339, or a Go duration ("10m", "24h") before now. */
export function untilToMs(v: string): number {
  const d = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (d) {
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    return Date.now() - Number(d[1]) * unit[d[2]];
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${v}'`);
  return t;
}
