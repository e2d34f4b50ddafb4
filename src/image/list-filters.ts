/** `docker images --filter` and `image prune --filter` matching (moby daemon/images/images.go). */
import { invalidArgument } from '../lib/errdefs.ts';
import { familiarName, familiarString, type Labels, type Reference } from '../oci/index.ts';

export interface FilterSubject { id: string; names: Reference[]; labels: Labels; created: string }

const LIST_FILTERS = new Set(['before', 'dangling', 'label', 'label!', 'reference', 'since', 'until']);

/** A predicate for the list filters; before/since are given as the referenced images' creation times (ms). */
export function imageFilter(filters: Map<string, string[]>, o: { before?: number; since?: number }): (s: FilterSubject) => boolean {
  for (const k of filters.keys()) if (!LIST_FILTERS.has(k)) throw invalidArgument(`invalid filter '${k}'`);
  const dangling = filters.get('dangling')?.[0];
  let wantDangling: boolean | undefined;
  if (dangling !== undefined) {
    const v = dangling.toLowerCase();
    if (v === 'true' || v === '1') wantDangling = true;
    else if (v === 'false' || v === '0') wantDangling = false;
    else throw invalidArgument(`Invalid filter 'dangling=${dangling}'`);
  }
  const refMatch = referenceMatcher(filters);
  const until = filters.get('until')?.map(parseUntil);
  return (s) => {
    const created = Date.parse(s.created);
    if (wantDangling !== undefined && (s.names.length === 0) !== wantDangling) return false;
    if (o.before !== undefined && !(created < o.before)) return false;
    if (o.since !== undefined && !(created > o.since)) return false;
    if (until && until.some((u) => created >= u)) return false;
    if (!labelsMatch(s.labels, filters)) return false;
    if (refMatch && !s.names.some(refMatch)) return false;
    return true;
  };
}

/** reference.FamiliarMatch over the `reference` filter's patterns; undefined when there is no such filter. */
export function referenceMatcher(filters: Map<string, string[]>): ((r: Reference) => boolean) | undefined {
  const patterns = (filters.get('reference') ?? []).map(globToRegExp);
  if (patterns.length === 0) return undefined;
  return (n) => patterns.some((p) => p.test(familiarString(n)) || p.test(familiarName(n)));
}

export function labelsMatch(labels: Labels, filters: Map<string, string[]>): boolean {
  for (const f of filters.get('label') ?? []) {
    const [k, v] = splitKv(f);
    if (!(k in labels) || (v !== undefined && labels[k] !== v)) return false;
  }
  for (const f of filters.get('label!') ?? []) {
    const [k, v] = splitKv(f);
    if (k in labels && (v === undefined || labels[k] === v)) return false;
  }
  return true;
}

function splitKv(s: string): [string, string | undefined] {
  const i = s.indexOf('=');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Go path.Match syntax: `*` and `?` never match `/`; `[...]` classes; `\` escapes. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < glob.length) re += escape(glob[++i]);
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw invalidArgument('syntax error in pattern');
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += escape(ch);
  }
  return new RegExp(`^${re}$`);
}

function escape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Docker's `until` timestamps: unix seconds (with fraction), RFC 3339 dates, or Go durations ago. */
export function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const dur = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(v);
  if (dur) return Date.now() - Number(dur[1]) * { h: 3600e3, m: 60e3, s: 1e3, ms: 1 }[dur[2] as 'h' | 'm' | 's' | 'ms'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${v}"`);
  return t;
}
