/** How Go templates see values: truthiness and fmt %v printing. */
export function isTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** Go fmt %v of a value. */
export function printValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(printInner).join(' ')}]`;
  if (v instanceof Map) return `map[${[...v.keys()].sort().map((k) => `${k}:${printInner(v.get(k))}`).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.toString === 'function' && o.toString !== Object.prototype.toString) return String(o);
    return `map[${Object.keys(o).sort().map((k) => `${k}:${printInner(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

function printInner(v: unknown): string {
  return v === null || v === undefined ? '<nil>' : printValue(v);
}

