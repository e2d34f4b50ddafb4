/** Compose's duration ("1m30s", "500ms": Go's ParseDuration) and byte size ("512m", "1g": go-units RAMInBytes) values. */
import { parseGoDuration, ramInBytes } from '../lib/index.ts';

/** Nanoseconds; a bare number counts seconds. */
export function durationNs(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v * 1e9;
  return parseGoDuration(v);
}

export function bytes(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  return ramInBytes(v);
}
