/**
 * Parses one compose file: YAML 1.2 with anchors and merge keys, and the compose tags !reset (drop the value
 * inherited from earlier files) and !override (replace instead of merging). Tagged values come back wrapped.
 */
import { parseDocument, type ScalarTag, type CollectionTag } from 'yaml';

// toJS() turns resolved tag values into plain objects, so the tags are carried as marker keys.
const RESET = '\u0000reset';
const OVERRIDE = '\u0000override';
const reset = () => ({ [RESET]: true });
const override = (value: unknown) => ({ [OVERRIDE]: value });

export function isReset(v: unknown): boolean {
  return !!v && typeof v === 'object' && RESET in v;
}

/** The value under !override, or undefined when `v` carries no such tag. */
export function overridden(v: unknown): { value: unknown } | undefined {
  return v && typeof v === 'object' && OVERRIDE in v ? { value: (v as Record<string, unknown>)[OVERRIDE] } : undefined;
}

/** Drops the markers once merging is over (a !reset with nothing to reset, a lone !override). */
export function stripTags(v: unknown): unknown {
  const o = overridden(v);
  if (o) return stripTags(o.value);
  if (Array.isArray(v)) return v.filter((x) => !isReset(x)).map(stripTags);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!isReset(x)) out[k] = stripTags(x);
    return out;
  }
  return v;
}

export class ComposeSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeSyntaxError';
  }
}

const resetScalar: ScalarTag = { tag: '!reset', resolve: reset };
const resetMap: CollectionTag = { tag: '!reset', collection: 'map', resolve: reset as never };
const resetSeq: CollectionTag = { tag: '!reset', collection: 'seq', resolve: reset as never };
const overrideMap: CollectionTag = { tag: '!override', collection: 'map', resolve: (m) => override(m.toJSON()) as never };
const overrideSeq: CollectionTag = { tag: '!override', collection: 'seq', resolve: (s) => override(s.toJSON()) as never };
const overrideScalar: ScalarTag = { tag: '!override', resolve: (s: string) => override(s) };

export function parseComposeYaml(text: string, file: string): Record<string, unknown> {
  const doc = parseDocument(text, { merge: true, customTags: [resetScalar, resetMap, resetSeq, overrideMap, overrideSeq, overrideScalar], uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [0, 0];
    throw new ComposeSyntaxError(`${file}: yaml: line ${line}, column ${col}: ${e.message.split('\n')[0]}`);
  }
  const value = doc.toJS({ maxAliasCount: 10_000 }) as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ComposeSyntaxError(`${file}: top-level object must be a mapping`);
  return value as Record<string, unknown>;
}
