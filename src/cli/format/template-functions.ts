/** The functions docker adds to its --format templates (cli/templates) plus text/template builtins we need. */
import { isTruthy, printValue } from './go-values.ts';

/** encoding/json escapes <, > and & by default; docker's {{json}} output keeps that. */
export function goJson(v: unknown): string {
  return (JSON.stringify(v ?? null) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

function indexInto(v: unknown, ...keys: unknown[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (cur === null || cur === undefined) return undefined;
    if (cur instanceof Map) cur = cur.get(k);
    else cur = (cur as Record<string, unknown>)[String(k)];
  }
  return cur;
}

function sprintf(format: string, ...args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-+ #0]*\d*(?:\.\d+)?)([svdqtf%])/g, (_m, _flags: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return JSON.stringify(printValue(a));
    if (verb === 'd') return String(Math.trunc(Number(a)));
    return printValue(a);
  });
}

type TemplateFunction = (...args: unknown[]) => unknown;

export const TEMPLATE_FUNCTIONS: Record<string, TemplateFunction> = {
  json: (v) => goJson(v),
  join: (list, sep) => (Array.isArray(list) ? list.map(printValue).join(String(sep)) : printValue(list)),
  split: (s, sep) => String(s).split(String(sep)),
  upper: (s) => printValue(s).toUpperCase(),
  lower: (s) => printValue(s).toLowerCase(),
  title: (s) => printValue(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  pad: (s, left, right) => `${' '.repeat(Number(left))}${printValue(s)}${' '.repeat(Number(right))}`,
  truncate: (s, n) => [...printValue(s)].slice(0, Number(n)).join(''),
  index: (v, ...keys) => indexInto(v, ...keys),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  print: (...a) => a.map(printValue).join(''),
  println: (...a) => `${a.map(printValue).join(' ')}\n`,
  printf: (format, ...a) => sprintf(String(format), ...a),
  not: (v) => !isTruthy(v),
  and: (...a) => a.find((x) => !isTruthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => isTruthy(x)) ?? a[a.length - 1],
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
};

const firstArg: TemplateFunction = (...a) => a[0];

/** For table headers: every function passes its first argument through (docker templates.HeaderFunctions). */
export const HEADER_FUNCTIONS: Record<string, TemplateFunction> = Object.fromEntries(
  Object.keys(TEMPLATE_FUNCTIONS).map((name) => [name, firstArg]),
);
