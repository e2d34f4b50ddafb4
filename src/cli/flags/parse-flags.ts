/**
 * A pflag-compatible command-line parser: `--name=value`, `--name value`, bool `--rm` / `--rm=false`,
 * combined shorthands `-itd`, `-e=A=1`, `-eA=1`, `-e A=1`, repeated list flags, `--`, and (for run/create/exec)
 * stopping at the first positional so `run IMAGE cmd -x` leaves `-x` to the container. Error texts match pflag.
 */
import type { FlagSpec, FlagValue } from './flag-spec.ts';

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

const HELP_FLAG: FlagSpec = { long: 'help', type: 'bool', help: 'Print usage' };

export class ParsedFlags {
  readonly args: string[];
  private readonly values: Map<string, FlagValue>;
  private readonly specs: Map<string, FlagSpec>;

  constructor(specs: Map<string, FlagSpec>, values: Map<string, FlagValue>, args: string[]) {
    this.specs = specs;
    this.values = values;
    this.args = args;
  }

  /** Whether the flag was given on the command line. */
  changed(long: string): boolean {
    return this.values.has(long);
  }

  bool(long: string): boolean {
    const v = this.values.get(long) ?? this.spec(long).default ?? false;
    return v === true;
  }

  string(long: string): string {
    const v = this.values.get(long) ?? this.spec(long).default ?? '';
    return String(v);
  }

  int(long: string): number {
    const v = this.values.get(long) ?? this.spec(long).default ?? 0;
    return Number(v);
  }

  list(long: string): string[] {
    const v = this.values.get(long);
    return Array.isArray(v) ? v : [];
  }

  get help(): boolean {
    return this.values.get('help') === true;
  }

  private spec(long: string): FlagSpec {
    const s = this.specs.get(long);
    if (!s) throw new Error(`flag --${long} is not defined for this command`);
    return s;
  }
}

export interface ParseOptions {
  /** false: stop at the first positional argument (docker run/create/exec). Default true. */
  interspersed?: boolean;
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function displayName(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.long}` : `--${spec.long}`;
}

function convert(spec: FlagSpec, raw: string): boolean | string | number {
  const invalid = (reason: string) =>
    new FlagError(`invalid argument "${raw}" for "${displayName(spec)}" flag: ${reason}`);
  switch (spec.type) {
    case 'bool':
      if (TRUE_WORDS.has(raw)) return true;
      if (FALSE_WORDS.has(raw)) return false;
      throw invalid(`strconv.ParseBool: parsing "${raw}": invalid syntax`);
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw)) throw invalid(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
      return Number.parseInt(raw, 10);
    }
    default:
      return raw;
  }
}

export function parseFlags(argv: readonly string[], flagSpecs: readonly FlagSpec[], o: ParseOptions = {}): ParsedFlags {
  const interspersed = o.interspersed ?? true;
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const spec of flagSpecs) {
    byLong.set(spec.long, spec);
    if (spec.short) byShort.set(spec.short, spec);
  }
  if (!byLong.has('help')) {
    const help = byShort.has('h') ? HELP_FLAG : { ...HELP_FLAG, short: 'h' };
    byLong.set('help', help);
    if (help.short) byShort.set('h', help);
  }

  const values = new Map<string, FlagValue>();
  const set = (spec: FlagSpec, raw: string) => {
    const value = convert(spec, raw);
    if (spec.type === 'list') {
      const prev = values.get(spec.long);
      values.set(spec.long, [...(Array.isArray(prev) ? prev : []), String(value)]);
    } else {
      values.set(spec.long, value);
    }
  };

  const positionals: string[] = [];
  const rest = [...argv];
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    if (arg.length < 2 || arg[0] !== '-') {
      positionals.push(arg);
      if (!interspersed) {
        positionals.push(...rest);
        break;
      }
      continue;
    }
    if (arg === '--') {
      positionals.push(...rest);
      break;
    }
    if (arg.startsWith('--')) parseLong(arg, rest, byLong, set);
    else parseShorts(arg, rest, byShort, set);
  }
  return new ParsedFlags(byLong, values, positionals);
}

type Setter = (spec: FlagSpec, raw: string) => void;

function parseLong(arg: string, rest: string[], byLong: Map<string, FlagSpec>, set: Setter): void {
  const body = arg.slice(2);
  if (body.startsWith('-') || body.startsWith('=')) throw new FlagError(`bad flag syntax: ${arg}`);
  const eq = body.indexOf('=');
  const name = eq >= 0 ? body.slice(0, eq) : body;
  const spec = byLong.get(name);
  if (!spec) throw new FlagError(`unknown flag: --${name}`);
  if (eq >= 0) set(spec, body.slice(eq + 1));
  else if (spec.type === 'bool') set(spec, 'true');
  else if (rest.length > 0) set(spec, rest.shift() as string);
  else throw new FlagError(`flag needs an argument: --${name}`);
}

function parseShorts(arg: string, rest: string[], byShort: Map<string, FlagSpec>, set: Setter): void {
  let shorthands = arg.slice(1);
  while (shorthands.length > 0) {
    const c = shorthands[0];
    const spec = byShort.get(c);
    if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`);
    if (shorthands.length > 2 && shorthands[1] === '=') {
      set(spec, shorthands.slice(2));
      return;
    }
    if (spec.type === 'bool') {
      set(spec, 'true');
      shorthands = shorthands.slice(1);
      continue;
    }
    if (shorthands.length > 1) {
      set(spec, shorthands.slice(1));
      return;
    }
    if (rest.length > 0) {
      set(spec, rest.shift() as string);
      return;
    }
    throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
  }
}
