/**
 * A subset of Go's text/template, enough for docker's --format: `{{.A.B}}`, `{{.}}`, `{{$}}`, variables,
 * pipelines `{{.X | json}}`, method-style fields with arguments (`{{.Label "k"}}`), `{{if}}/{{else if}}/{{else}}`,
 * `{{range}}` (with `$k, $v :=`), `{{with}}`, trim markers `{{-`/`-}}`, and string/number/bool literals.
 * Values print as Go's fmt %v would (maps as map[k:v], slices as [a b], missing map keys as <no value>).
 */
import { TEMPLATE_FUNCTIONS } from './template-functions.ts';
import { isTruthy, printValue } from './go-values.ts';

export { isTruthy, printValue };

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

type Operand =
  | { kind: 'field'; base: 'dot' | string; path: string[] } // base: 'dot' or a variable name ('$', '$x')
  | { kind: 'literal'; value: unknown }
  | { kind: 'ident'; name: string }
  | { kind: 'paren'; pipeline: Pipeline }
  /** `(pipeline).Field.Sub`: fields of a parenthesised value. */
  | { kind: 'chain'; target: Operand; path: string[] };
type Command = Operand[];
interface Pipeline { decl: string[]; commands: Command[] }

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; pipeline: Pipeline; body: Node[]; otherwise: Node[] }
  | { kind: 'with'; pipeline: Pipeline; body: Node[]; otherwise: Node[] };

// ---------------------------------------------------------------- lexing of the template into text/actions

type Piece = { kind: 'text'; text: string } | { kind: 'action'; src: string };

function splitActions(src: string): Piece[] {
  const pieces: Piece[] = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      pieces.push({ kind: 'text', text: src.slice(pos) });
      break;
    }
    let text = src.slice(pos, open);
    let inner = open + 2;
    if (src.startsWith('- ', inner) || src.startsWith('-\t', inner) || src.startsWith('-\n', inner)) {
      text = text.replace(/\s+$/, '');
      inner += 1;
    }
    const close = findClose(src, inner);
    if (close < 0) throw new TemplateError('template: unclosed action');
    let body = src.slice(inner, close);
    let after = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const m = /^\s*/.exec(src.slice(after));
      after += m ? m[0].length : 0;
    }
    if (text) pieces.push({ kind: 'text', text });
    pieces.push({ kind: 'action', src: body.trim() });
    pos = after;
  }
  return pieces;
}

function findClose(src: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && src[i + 1] === '}') return i;
  }
  return -1;
}

// ---------------------------------------------------------------- tokenizing and parsing one action

/** Marks a token as a field chain glued to the preceding ')'. */
const CHAIN = '\u0000';

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|:=|\||\(|\)|,|[^\s|(),]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) {
    // A field chain right after ')' (no space between) belongs to the parenthesised value.
    if (m[1]?.startsWith('.') && tokens.at(-1) === ')' && !/^\s/.test(m[0])) tokens.push(CHAIN + m[1]);
    else if (m[1]) tokens.push(m[1]);
    if (re.lastIndex >= src.length) break;
  }
  return tokens;
}

function parseOperand(tokens: string[]): Operand {
  const t = tokens.shift() as string;
  if (t === '(') {
    const pipeline = parsePipeline(tokens, ')');
    if (tokens.shift() !== ')') throw new TemplateError('template: unclosed left paren');
    const paren: Operand = { kind: 'paren', pipeline };
    if (tokens[0]?.startsWith(CHAIN)) return { kind: 'chain', target: paren, path: tokens.shift()!.slice(CHAIN.length + 1).split('.') };
    return paren;
  }
  if (t.startsWith('"')) return { kind: 'literal', value: JSON.parse(t) };
  if (t.startsWith('`')) return { kind: 'literal', value: t.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { kind: 'literal', value: Number(t) };
  if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
  if (t === 'nil') return { kind: 'literal', value: null };
  if (t === '.') return { kind: 'field', base: 'dot', path: [] };
  if (t.startsWith('.')) return { kind: 'field', base: 'dot', path: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [name, ...path] = t.split('.');
    return { kind: 'field', base: name, path };
  }
  if (/^[A-Za-z_]\w*$/.test(t)) return { kind: 'ident', name: t };
  throw new TemplateError(`template: unexpected "${t}" in operand`);
}

function parsePipeline(tokens: string[], stop?: string): Pipeline {
  const decl: string[] = [];
  const assign = tokens.indexOf(':=');
  if (assign > 0 && tokens.slice(0, assign).every((t) => t.startsWith('$') || t === ',')) {
    decl.push(...tokens.slice(0, assign).filter((t) => t !== ','));
    tokens.splice(0, assign + 1);
  }
  const commands: Command[] = [];
  let current: Command = [];
  while (tokens.length > 0 && tokens[0] !== stop) {
    if (tokens[0] === '|') {
      tokens.shift();
      if (current.length === 0) throw new TemplateError('template: missing command before |');
      commands.push(current);
      current = [];
      continue;
    }
    current.push(parseOperand(tokens));
  }
  if (current.length) commands.push(current);
  if (commands.length === 0) throw new TemplateError('template: missing value for command');
  return { decl, commands };
}

function parseNodes(pieces: Piece[], terminators: string[]): { nodes: Node[]; end: string } {
  const nodes: Node[] = [];
  while (pieces.length > 0) {
    const piece = pieces.shift() as Piece;
    if (piece.kind === 'text') {
      nodes.push({ kind: 'text', text: piece.text });
      continue;
    }
    const src = piece.src;
    if (src.startsWith('/*')) continue;
    const keyword = /^(\w+)/.exec(src)?.[1] ?? '';
    if (terminators.includes(keyword) && (keyword === 'end' || keyword === 'else')) return { nodes, end: src };
    if (keyword === 'if' || keyword === 'range' || keyword === 'with') {
      nodes.push(parseBlock(keyword, src.slice(keyword.length), pieces));
      continue;
    }
    if (keyword === 'end' || keyword === 'else') throw new TemplateError(`template: unexpected {{${keyword}}}`);
    nodes.push({ kind: 'action', pipeline: parsePipeline(tokenize(src)) });
  }
  if (terminators.length) throw new TemplateError('template: unexpected EOF');
  return { nodes, end: '' };
}

function parseBlock(keyword: 'if' | 'range' | 'with', rest: string, pieces: Piece[]): Node {
  const pipeline = parsePipeline(tokenize(rest));
  const first = parseNodes(pieces, ['end', 'else']);
  if (keyword === 'if') {
    const branches = [{ cond: pipeline, body: first.nodes }];
    let otherwise: Node[] = [];
    let end = first.end;
    while (end.startsWith('else')) {
      const elseRest = end.slice(4).trim();
      const next = parseNodes(pieces, ['end', 'else']);
      if (elseRest.startsWith('if')) {
        branches.push({ cond: parsePipeline(tokenize(elseRest.slice(2))), body: next.nodes });
      } else {
        otherwise = next.nodes;
      }
      end = next.end;
    }
    return { kind: 'if', branches, otherwise };
  }
  let otherwise: Node[] = [];
  if (first.end.startsWith('else')) otherwise = parseNodes(pieces, ['end']).nodes;
  return { kind: keyword, pipeline, body: first.nodes, otherwise };
}

// ---------------------------------------------------------------- evaluation

type Functions = Record<string, (...args: unknown[]) => unknown>;
type Scope = { dot: unknown; vars: Map<string, unknown>; fns: Functions };

function fieldOf(value: unknown, name: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Map) return value.get(name);
  if (typeof value === 'object') {
    const v = (value as Record<string, unknown>)[name];
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(value) : v;
  }
  throw new TemplateError(`template: can't evaluate field ${name} in type ${typeof value}`);
}

function evalOperand(op: Operand, scope: Scope, args: unknown[], isCall: boolean): unknown {
  switch (op.kind) {
    case 'literal':
      return op.value;
    case 'paren':
      return evalPipeline(op.pipeline, scope);
    case 'chain': {
      let value = evalOperand(op.target, scope, [], false);
      for (const name of op.path) {
        value = fieldOf(value, name);
        if (typeof value === 'function') value = value();
      }
      return value;
    }
    case 'ident': {
      const fn = scope.fns[op.name];
      if (!fn) throw new TemplateError(`template: function "${op.name}" not defined`);
      return fn(...args);
    }
    case 'field': {
      let value = op.base === 'dot' ? scope.dot : scope.vars.get(op.base);
      if (op.base !== 'dot' && !scope.vars.has(op.base)) throw new TemplateError(`template: undefined variable "${op.base}"`);
      op.path.forEach((name, i) => {
        value = fieldOf(value, name);
        if (typeof value === 'function' && (i < op.path.length - 1 || !isCall)) value = value();
      });
      if (isCall && typeof value === 'function') return value(...args);
      if (isCall && args.length) throw new TemplateError(`template: can't give argument to non-function ${op.path.join('.')}`);
      return value;
    }
  }
}

function evalCommand(cmd: Command, scope: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = cmd;
  const args = [...rest.map((op) => evalOperand(op, scope, [], false)), ...piped];
  const isCall = head.kind === 'ident' || (head.kind === 'field' && (args.length > 0 || rest.length > 0));
  if (head.kind === 'field' && !isCall) {
    const v = evalOperand(head, scope, [], false);
    return typeof v === 'function' ? v() : v;
  }
  return evalOperand(head, scope, args, isCall || head.kind === 'field');
}

function evalPipeline(p: Pipeline, scope: Scope): unknown {
  let piped: unknown[] = [];
  let value: unknown;
  for (const cmd of p.commands) {
    value = evalCommand(cmd, scope, piped);
    piped = [value];
  }
  if (p.decl.length === 1) scope.vars.set(p.decl[0], value);
  return value;
}

function rangeEntries(v: unknown): [unknown, unknown][] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v instanceof Map) return [...v.keys()].sort().map((k) => [k, v.get(k)]);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.keys(o).sort().map((k) => [k, o[k]]);
  }
  if (typeof v === 'number') return Array.from({ length: v }, (_, i) => [i, i]);
  throw new TemplateError(`template: range can't iterate over ${printValue(v)}`);
}

function execNodes(nodes: Node[], scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        break;
      case 'action': {
        const v = evalPipeline(node.pipeline, scope);
        if (node.pipeline.decl.length === 0) out.push(printValue(v));
        break;
      }
      case 'if': {
        const branch = node.branches.find((b) => isTruthy(evalPipeline(b.cond, scope)));
        execNodes(branch ? branch.body : node.otherwise, scope, out);
        break;
      }
      case 'with': {
        const v = evalPipeline({ ...node.pipeline, decl: [] }, scope);
        if (isTruthy(v)) execNodes(node.body, { dot: v, vars: scope.vars, fns: scope.fns }, out);
        else execNodes(node.otherwise, scope, out);
        break;
      }
      case 'range': {
        const entries = rangeEntries(evalPipeline({ ...node.pipeline, decl: [] }, scope));
        if (entries.length === 0) execNodes(node.otherwise, scope, out);
        const [kVar, vVar] = node.pipeline.decl.length === 2 ? node.pipeline.decl : [undefined, node.pipeline.decl[0]];
        for (const [k, v] of entries) {
          const vars = new Map(scope.vars);
          if (kVar) vars.set(kVar, k);
          if (vVar) vars.set(vVar, v);
          execNodes(node.body, { dot: v, vars, fns: scope.fns }, out);
        }
        break;
      }
    }
  }
}

export interface Template {
  /** functions replaces the default function table (docker renders table headers with identity functions). */
  execute(data: unknown, o?: { functions?: Functions }): string;
}

export function parseTemplate(src: string): Template {
  const nodes = parseNodes(splitActions(src), []).nodes;
  return {
    execute(data: unknown, o: { functions?: Functions } = {}): string {
      const out: string[] = [];
      const fns = o.functions ?? TEMPLATE_FUNCTIONS;
      execNodes(nodes, { dot: data, vars: new Map([['$', data]]), fns }, out);
      return out.join('');
    },
  };
}
