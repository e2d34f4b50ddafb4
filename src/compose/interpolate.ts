/**
 * Compose variable interpolation: ${VAR}, $VAR, ${VAR:-d}, ${VAR-d}, ${VAR:?err}, ${VAR?err}, ${VAR:+x},
 * ${VAR+x} and $$ for a literal dollar. Applied to every string scalar of the parsed YAML, before merging.
 */
export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export type Lookup = (name: string) => string | undefined;

const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

/** `where` names the place for errors ("compose.yaml: services.db.environment.X"). */
export function interpolateString(text: string, env: Lookup, where: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') { out += c; continue; }
    const next = text[i + 1];
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new InterpolationError(`${where}: invalid interpolation format for "${text}"`);
      out += expandBraced(text.slice(i + 2, end), env, where, text);
      i = end;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (!m) { out += c; continue; }
    out += env(m[0]) ?? '';
    i += m[0].length;
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expandBraced(body: string, env: Lookup, where: string, whole: string): string {
  const m = BRACED.exec(body);
  if (!m) throw new InterpolationError(`${where}: invalid interpolation format for "${whole}"`);
  const [, name, op, arg = ''] = m;
  const value = env(name);
  const unset = value === undefined;
  const empty = unset || value === '';
  const nested = () => interpolateString(arg, env, where);
  switch (op) {
    case undefined: return value ?? '';
    case ':-': return empty ? nested() : value!;
    case '-': return unset ? nested() : value!;
    case ':+': return empty ? '' : nested();
    case '+': return unset ? '' : nested();
    case ':?':
    case '?':
      if (op === ':?' ? empty : unset) throw new InterpolationError(`${where}: required variable ${name} is missing a value${arg ? `: ${nested()}` : ''}`);
      return value!;
  }
  return value ?? '';
}

/** Interpolates every string inside a parsed YAML tree; `path` names keys for errors. */
export function interpolateTree(node: unknown, env: Lookup, path: string): unknown {
  if (typeof node === 'string') return interpolateString(node, env, path);
  if (Array.isArray(node)) return node.map((v, i) => interpolateTree(v, env, `${path}[${i}]`));
  if (node && typeof node === 'object' && node.constructor === Object) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolateTree(v, env, path ? `${path}.${k}` : k);
    return out;
  }
  return node;
}
