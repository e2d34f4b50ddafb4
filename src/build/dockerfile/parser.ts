/**
 * Dockerfile text → AST, following BuildKit's frontend/dockerfile/parser: parser directives at the top
 * (`# syntax=`, `# escape=`, `# check=`), comments, line continuations with the escape token (comment lines and
 * empty lines inside a continuation are dropped; empty ones raise a warning), heredocs, the per-instruction
 * argument shapes (JSON or shell form, name=value lists...), builder flags (`--from=x`) and line numbers.
 * The AST is untyped; instructions.ts turns each node into a typed instruction.
 */
import { DockerfileError, type LineRange } from './errors.ts';
import { ShellLex } from './shell-lex.ts';

export interface Heredoc {
  /** The delimiter word, unquoted (`EOF`). */
  name: string;
  /** `3<<EOF` → 3; 0 when not given. */
  fileDescriptor: number;
  /** False when any part of the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): the body is not expanded. */
  expand: boolean;
  /** `<<-EOF`: leading tabs are stripped from the body lines and the delimiter. */
  chomp: boolean;
  /** The body, lines with their newlines, without the delimiter line. Not chomped yet. */
  content: string;
}

export interface Node {
  /** The instruction word as written (`from`, `RUN`...). */
  value: string;
  /** The whole logical line after continuations were joined (without heredoc bodies). */
  original: string;
  /** Builder flags as written, `--from=builder`. */
  flags: string[];
  /** The arguments as the per-instruction line parser split them; ENV/LABEL give [key, value, sep] triples. */
  args: string[];
  /** True when the arguments were a JSON array (exec form). */
  json: boolean;
  /** ONBUILD: the wrapped instruction. */
  child?: Node;
  heredocs: Heredoc[];
  startLine: number;
  endLine: number;
  /** Comment lines directly above the instruction, without `#`. */
  comments: string[];
}

export interface ParseWarning { short: string; detail: string; url: string; location: LineRange }

export interface Directive { name: string; value: string; line: number }

export interface ParseResult {
  nodes: Node[];
  escapeToken: string;
  warnings: ParseWarning[];
  directives: Directive[];
}

/** The text Docker prints after the warnings when there are any (moby PrintWarnings). */
export const EMPTY_CONTINUATION_FOOTER = 'Empty continuation lines will become errors in a future release.';

const RE_WHITESPACE = /[\t\v\f\r ]+/;
const RE_DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const RE_HEREDOC = /^(\d*)<<(-?)\s*([^<]*)$/;
const VALID_DIRECTIVES = new Set(['syntax', 'check', 'escape']);
const HEREDOC_INSTRUCTIONS = new Set(['add', 'copy', 'run']);

export const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

class Directives {
  escapeToken = '\\';
  continuation: RegExp = makeContinuationRegex('\\');
  private line = 0;
  private done = false;
  private readonly seen = new Set<string>();
  readonly found: Directive[] = [];

  setEscapeToken(s: string): void {
    if (s !== '`' && s !== '\\') throw new Error(`invalid escape token '${s}' does not match \` or \\`);
    this.escapeToken = s;
    this.continuation = makeContinuationRegex(s);
  }

  /** True if the line was a parser directive (only at the top of the file, each at most once). */
  possibleParserDirective(line: string): boolean {
    this.line++;
    if (this.done) return false;
    if (!line.startsWith('#')) { this.done = true; return false; }
    const m = RE_DIRECTIVE.exec(line.slice(1).replace(/^\s+/u, ''));
    if (!m) { this.done = true; return false; }
    const k = m[1]!.toLowerCase();
    if (!VALID_DIRECTIVES.has(k)) { this.done = true; return false; }
    if (this.seen.has(k)) throw new Error(`only one ${k} parser directive can be used`);
    this.seen.add(k);
    this.found.push({ name: k, value: m[2]!, line: this.line });
    if (k === 'escape') this.setEscapeToken(m[2]!);
    return true;
  }
}

function makeContinuationRegex(tok: string): RegExp {
  const e = tok === '\\' ? '\\\\' : tok;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

function trimLeadingWhitespace(s: string): string {
  return s.replace(/^\s+/u, '');
}
function trimNewline(s: string): string {
  return s.replace(/[\r\n]+$/, '');
}
function isComment(line: string): boolean {
  return trimLeadingWhitespace(line).startsWith('#');
}

function fail(err: unknown, location: LineRange): never {
  const detail = err instanceof Error ? err.message : String(err);
  throw new DockerfileError(`failed to parse Dockerfile: ${detail}`, { location, detail, cause: err });
}

/** Splits into lines that keep their `\n` (bufio.Scanner with BuildKit's scanLines). */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const j = text.indexOf('\n', i);
    if (j < 0) { out.push(text.slice(i)); break; }
    out.push(text.slice(i, j + 1));
    i = j + 1;
  }
  return out;
}

/** Parses Dockerfile text. Throws DockerfileError (`failed to parse Dockerfile: ...`). */
export function parse(text: string): ParseResult {
  const d = new Directives();
  const lines = splitLines(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const nodes: Node[] = [];
  const warnings: ParseWarning[] = [];
  let comments: string[] = [];
  let currentLine = 0;
  let idx = 0;

  const processLine = (token: string, stripLeft: boolean): { line: string; directive: boolean } => {
    let t = trimNewline(token);
    if (stripLeft) t = trimLeadingWhitespace(t);
    let directive = false;
    try {
      directive = d.possibleParserDirective(t);
    } catch (err) {
      fail(err, { start: currentLine, end: currentLine });
    }
    return { line: isComment(t) ? '' : t, directive };
  };
  const trimContinuation = (line: string): { line: string; end: boolean } => {
    if (d.continuation.test(line)) return { line: line.replace(d.continuation, '$1'), end: false };
    return { line, end: true };
  };

  while (idx < lines.length) {
    const raw = lines[idx++]!;
    if (isComment(raw)) {
      const c = trimLeadingWhitespace(raw).slice(1).trim();
      if (c === '') comments = [];
      else comments.push(c);
    }
    const first = processLine(raw, true);
    if (first.directive) comments.pop();
    currentLine++;
    const startLine = currentLine;
    let { line: bytes, end: isEnd } = trimContinuation(first.line);
    if (isEnd && bytes.length === 0) continue;

    let buf = bytes;
    let hasEmptyContinuation = false;
    while (!isEnd && idx < lines.length) {
      const rawNext = lines[idx++]!;
      const p = processLine(rawNext, false);
      currentLine++;
      if (isComment(rawNext)) continue;
      if (trimLeadingWhitespace(trimNewline(p.line)).length === 0) {
        hasEmptyContinuation = true;
        continue;
      }
      const t = trimContinuation(p.line);
      isEnd = t.end;
      buf += t.line;
    }
    const line = buf;
    if (hasEmptyContinuation) {
      warnings.push({
        short: 'Empty continuation line found in: ' + line,
        detail: 'Empty continuation lines will become errors in a future release',
        url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
        location: { start: currentLine, end: currentLine },
      });
    }

    let node: Node;
    try {
      node = nodeFromLine(line, d.escapeToken, comments);
    } catch (err) {
      fail(err, { start: startLine, end: currentLine });
    }

    if (canContainHeredoc(node) && line.includes('<<')) {
      let docs: Heredoc[];
      try {
        docs = heredocsFromLine(line);
      } catch (err) {
        fail(err, { start: startLine, end: currentLine });
      }
      for (const doc of docs) {
        let terminated = false;
        let content = doc.content;
        while (idx < lines.length) {
          const l = lines[idx++]!;
          currentLine++;
          let candidate = trimNewline(l);
          if (doc.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === doc.name) { terminated = true; break; }
          content += l;
        }
        if (!terminated) fail(new Error('unterminated heredoc'), { start: startLine, end: currentLine });
        node.heredocs.push({ ...doc, content });
      }
    }
    node.startLine = startLine;
    node.endLine = currentLine;
    if (node.child) { node.child.startLine = startLine; node.child.endLine = currentLine; }
    nodes.push(node);
    comments = [];
  }

  if (nodes.length === 0) fail(new Error('file with no instructions'), { start: currentLine, end: currentLine });
  return { nodes, escapeToken: d.escapeToken, warnings, directives: d.found };
}

function canContainHeredoc(node: Node): boolean {
  let n = node;
  if (n.value.toLowerCase() === 'onbuild' && n.child) n = n.child;
  return HEREDOC_INSTRUCTIONS.has(n.value.toLowerCase()) && !n.json;
}

const LINE_PARSERS: Record<string, (rest: string, esc: string) => { args: string[]; json: boolean; child?: Node }> = {
  add: parseMaybeJSONToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJSON,
  copy: parseMaybeJSONToList,
  entrypoint: parseMaybeJSON,
  env: (rest, esc) => ({ args: parseNameVal(rest, 'ENV', esc), json: false }),
  expose: parseStringsWhitespaceDelimited,
  from: parseStringsWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: (rest, esc) => ({ args: parseNameVal(rest, 'LABEL', esc), json: false }),
  maintainer: parseString,
  onbuild: parseSubCommand,
  run: parseMaybeJSON,
  shell: parseMaybeJSON,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJSONToList,
  workdir: parseString,
};

/** One logical line → a Node (line numbers filled by the caller). Unknown instructions get no arguments. */
export function nodeFromLine(line: string, escapeToken: string, comments: string[] = []): Node {
  const { cmd, flags, args } = splitCommand(line, escapeToken);
  const fn = LINE_PARSERS[cmd.toLowerCase()];
  const r = fn ? fn(args, escapeToken) : { args: [], json: false };
  const node: Node = {
    value: cmd, original: line, flags, args: r.args, json: r.json, heredocs: [], startLine: 0, endLine: 0,
    comments: [...comments],
  };
  if (r.child) node.child = r.child;
  return node;
}

function splitCommand(line: string, esc: string): { cmd: string; flags: string[]; args: string } {
  const trimmed = line.trim();
  const m = RE_WHITESPACE.exec(trimmed);
  if (!m) return { cmd: trimmed, flags: [], args: '' };
  const cmd = trimmed.slice(0, m.index);
  const rest = trimmed.slice(m.index + m[0].length);
  const { rest: args, flags } = extractBuilderFlags(rest, esc);
  return { cmd, flags, args: args.trim() };
}

/** Leading `--name[=value]` words (quotes and escapes processed), up to the first other word or `--`. */
function extractBuilderFlags(line: string, esc: string): { rest: string; flags: string[] } {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let buf = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = pos < line.length ? line[pos]! : '';
    if (phase === 'spaces') {
      if (pos === line.length) break;
      if (/\s/.test(ch)) continue;
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return { rest: line.slice(pos), flags: words };
      phase = 'word';
    }
    if (pos === line.length) {
      if (buf !== '--' && (blankOK || buf.length > 0)) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (/\s/.test(ch)) {
        phase = 'spaces';
        if (buf === '--') return { rest: line.slice(pos), flags: words };
        if (blankOK || buf.length > 0) words.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === esc) {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos]!;
      }
      buf += ch;
      continue;
    }
    // quote
    if (ch === quote) { phase = 'word'; continue; }
    if (ch === esc) {
      if (pos + 1 === line.length) { phase = 'word'; continue; }
      pos++;
      ch = line[pos]!;
    }
    buf += ch;
  }
  return { rest: '', flags: words };
}

/** Space-separated words; quotes and escapes are kept for the word expander to process later. */
export function parseWords(rest: string, esc: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let buf = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = pos < chars.length ? chars[pos]! : '';
    if (phase === 'spaces') {
      if (pos === chars.length) break;
      if (/^\s$/u.test(ch)) continue;
      phase = 'word';
    }
    if (pos === chars.length) {
      if (blankOK || buf.length > 0) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (/^\s$/u.test(ch)) {
        phase = 'spaces';
        if (blankOK || buf.length > 0) words.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === esc) {
        if (pos + 1 === chars.length) continue;
        buf += ch;
        pos++;
        ch = chars[pos]!;
      }
      buf += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === esc && quote !== "'") {
      if (pos + 1 === chars.length) { phase = 'word'; continue; }
      pos++;
      buf += ch;
      ch = chars[pos]!;
    }
    buf += ch;
  }
  return words;
}

function parseNameVal(rest: string, key: string, esc: string): string[] {
  const words = parseWords(rest, esc);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const m = RE_WHITESPACE.exec(rest);
    if (!m) throw new Error(`${key} must have two arguments`);
    return [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ''];
  }
  const out: string[] = [];
  for (const w of words) {
    const i = w.indexOf('=');
    if (i < 0) throw new Error(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    out.push(w.slice(0, i), w.slice(i + 1), '=');
  }
  return out;
}

function parseNameOrNameVal(rest: string, esc: string): { args: string[]; json: boolean } {
  return { args: parseWords(rest, esc), json: false };
}

function parseStringsWhitespaceDelimited(rest: string): { args: string[]; json: boolean } {
  if (rest === '') return { args: [], json: false };
  return { args: rest.split(RE_WHITESPACE), json: false };
}

function parseString(rest: string): { args: string[]; json: boolean } {
  return { args: rest === '' ? [] : [rest], json: false };
}

class NotJsonArray extends Error {}

function parseJSON(rest: string): { args: string[]; json: boolean } {
  const r = rest.replace(/^\s+/u, '');
  if (!r.startsWith('[')) throw new NotJsonArray('not a JSON array');
  let v: unknown;
  try {
    v = JSON.parse(r);
  } catch (err) {
    throw new NotJsonArray(String(err));
  }
  if (!Array.isArray(v)) throw new NotJsonArray('not a JSON array');
  for (const s of v) if (typeof s !== 'string') throw new Error(NOT_STRING_ARRAY);
  return { args: v as string[], json: true };
}

function parseMaybeJSON(rest: string): { args: string[]; json: boolean } {
  if (rest === '') return { args: [], json: false };
  try {
    return parseJSON(rest);
  } catch (err) {
    if (!(err instanceof NotJsonArray)) throw err;
  }
  return { args: [rest], json: false };
}

function parseMaybeJSONToList(rest: string): { args: string[]; json: boolean } {
  try {
    return parseJSON(rest);
  } catch (err) {
    if (!(err instanceof NotJsonArray)) throw err;
  }
  return parseStringsWhitespaceDelimited(rest);
}

function parseHealthConfig(rest: string): { args: string[]; json: boolean } {
  let sep = 0;
  while (sep < rest.length && !/\s/.test(rest[sep]!)) sep++;
  let next = sep;
  while (next < rest.length && /\s/.test(rest[next]!)) next++;
  if (sep === 0) return { args: [], json: false };
  const cmd = parseMaybeJSON(rest.slice(next));
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
}

function parseSubCommand(rest: string, esc: string): { args: string[]; json: boolean; child?: Node } {
  if (rest === '') return { args: [], json: false };
  const child = nodeFromLine(rest, esc);
  return { args: [child.value, ...child.args], json: false, child };
}

/** The heredoc described by one word (`<<EOF`, `<<-"EOF"`, `3<<EOF`), or undefined. */
export function parseHeredoc(src: string): Heredoc | undefined {
  const m = RE_HEREDOC.exec(src);
  if (!m) return undefined;
  const rest = m[3]!;
  if (rest.length === 0) return undefined;
  const lex = new ShellLex('\\', { skipUnsetEnv: true });
  const words = lex.processWords(rest, new Map());
  if (words.length !== 1) return undefined;
  lex.rawQuotes = true;
  const raw = lex.processWords(rest, new Map());
  if (raw.length !== words.length) throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const word = words[0]!;
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  return {
    name: word,
    expand: quotes(word) === quotes(raw[0]!),
    chomp: m[2] === '-',
    fileDescriptor: m[1] ? Number.parseInt(m[1], 10) : 0,
    content: '',
  };
}

function heredocsFromLine(line: string): Heredoc[] {
  const lex = new ShellLex('\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  let words: string[] = [];
  try {
    words = lex.processWords(line, new Map());
  } catch {
    words = [];
  }
  const docs: Heredoc[] = [];
  for (const w of words) {
    const h = parseHeredoc(w);
    if (h) docs.push(h);
  }
  return docs;
}

/** `<<-` bodies: leading tabs removed from every line. */
export function chompHeredocContent(src: string): string {
  return src.replace(/^\t+/gm, '');
}

