/**
 * AST node → typed instruction, with BuildKit's validation and messages (frontend/dockerfile/instructions).
 * Values are as written: variables are expanded later by the evaluator (expand.ts), which knows ARG/ENV state.
 */
import { InstructionError, type LineRange } from './errors.ts';
import { parseGoDuration } from '../../lib/index.ts';
import { chompHeredocContent, parseHeredoc, type Heredoc, type Node } from './parser.ts';
import { checkMountFrom, parseMount, type RunMount } from './run-mount.ts';
import { suggest } from './suggest.ts';

export interface KeyValue { key: string; value: string; /** legacy `ENV a b` form */ noDelim: boolean }
export interface ArgDef { key: string; /** undefined: declared without a default */ value: string | undefined }
/** A heredoc used as a COPY/ADD source: an inline file named after its delimiter. */
export interface SourceContent { path: string; data: string; expand: boolean }
/** A heredoc attached to RUN/CMD/ENTRYPOINT. `data` is not chomped yet when `chomp` is true. */
export interface ShellInlineFile { name: string; data: string; chomp: boolean; expand: boolean; fileDescriptor: number }

export interface HealthConfig {
  /** ["NONE"], ["CMD", ...argv] or ["CMD-SHELL", "cmd"] as in the image config. */
  test: string[];
  /** Nanoseconds; 0 = inherit the default. */
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

interface Base {
  /** The instruction word as written (`run`, `COPY`). */
  name: string;
  /** The logical line as written (continuations joined). */
  original: string;
  location: LineRange;
  comments: string[];
}

export type NetworkMode = 'default' | 'none' | 'host';

export interface FromInstruction extends Base { kind: 'from'; baseName: string; stageName: string; platform: string }
export interface RunInstruction extends Base {
  kind: 'run';
  /** Exec form: argv. Shell form: one string, to run with the SHELL. */
  cmdLine: string[];
  prependShell: boolean;
  files: ShellInlineFile[];
  /** --mount values as written. */
  mountSpecs: string[];
  /** Mounts parsed without variable expansion (re-parsed with variables by the evaluator). */
  mounts: RunMount[];
  network: NetworkMode;
  security: 'sandbox' | 'insecure';
  /** Flags given explicitly (the classic builder rejects any: "the --mount option requires BuildKit"). */
  flagsUsed: string[];
}
export interface CmdInstruction extends Base { kind: 'cmd'; cmdLine: string[]; prependShell: boolean; files: ShellInlineFile[] }
export interface EntrypointInstruction extends Base {
  kind: 'entrypoint'; cmdLine: string[] | null; prependShell: boolean; files: ShellInlineFile[];
}
export interface CopyInstruction extends Base {
  kind: 'copy';
  sourcePaths: string[];
  sourceContents: SourceContent[];
  dest: string;
  from: string;
  chown: string;
  chmod: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
}
export interface AddInstruction extends Base {
  kind: 'add';
  sourcePaths: string[];
  sourceContents: SourceContent[];
  dest: string;
  chown: string;
  chmod: string;
  link: boolean;
  keepGitDir: boolean | undefined;
  checksum: string;
  unpack: boolean | undefined;
  exclude: string[];
}
export interface WorkdirInstruction extends Base { kind: 'workdir'; path: string }
export interface EnvInstruction extends Base { kind: 'env'; env: KeyValue[] }
export interface ArgInstruction extends Base { kind: 'arg'; args: ArgDef[] }
export interface LabelInstruction extends Base { kind: 'label'; labels: KeyValue[]; /** --label from the API */ noExpand?: boolean }
export interface ExposeInstruction extends Base { kind: 'expose'; ports: string[] }
export interface VolumeInstruction extends Base { kind: 'volume'; volumes: string[] }
export interface UserInstruction extends Base { kind: 'user'; user: string }
export interface ShellInstruction extends Base { kind: 'shell'; shell: string[] }
export interface HealthcheckInstruction extends Base { kind: 'healthcheck'; health: HealthConfig }
export interface StopSignalInstruction extends Base { kind: 'stopsignal'; signal: string }
export interface OnbuildInstruction extends Base { kind: 'onbuild'; /** The trigger as stored in the image config. */ expression: string }
export interface MaintainerInstruction extends Base { kind: 'maintainer'; maintainer: string }

/** Everything that may follow FROM inside a stage. */
export type Command =
  | RunInstruction | CmdInstruction | EntrypointInstruction | CopyInstruction | AddInstruction | WorkdirInstruction
  | EnvInstruction | ArgInstruction | LabelInstruction | ExposeInstruction | VolumeInstruction | UserInstruction
  | ShellInstruction | HealthcheckInstruction | StopSignalInstruction | OnbuildInstruction | MaintainerInstruction;
export type Instruction = FromInstruction | Command;

export const INSTRUCTION_NAMES = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER',
  'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
] as const;

// ---- builder flags (BuildKit bflag.go) ----

type FlagType = 'bool' | 'string' | 'strings';
interface Flag { type: FlagType; value: string; values: string[]; used: boolean }

class BFlags {
  private readonly args: string[];
  private readonly flags = new Map<string, Flag>();
  constructor(args: string[]) {
    this.args = args;
  }
  private add(name: string, type: FlagType, def: string): Flag {
    const f: Flag = { type, value: def, values: [], used: false };
    this.flags.set(name, f);
    return f;
  }
  bool(name: string): Flag { return this.add(name, 'bool', 'false'); }
  string(name: string, def = ''): Flag { return this.add(name, 'string', def); }
  strings(name: string): Flag { return this.add(name, 'strings', ''); }
  used(): string[] { return [...this.flags].filter(([, f]) => f.used).map(([n]) => n); }

  parse(): void {
    for (const a of this.args) {
      if (a === '--') return;
      if (!a.startsWith('--')) throw new Error(`arg should start with -- : ${a}`);
      const eq = a.indexOf('=');
      const flagName = eq < 0 ? a : a.slice(0, eq);
      const hasValue = eq >= 0;
      const value = hasValue ? a.slice(eq + 1) : '';
      const name = flagName.slice(2);
      const f = this.flags.get(name);
      if (!f) throw new Error(suggest(`unknown flag: ${flagName}`, name, [...this.flags.keys()], true));
      if (f.used && f.type !== 'strings') throw new Error(`duplicate flag specified: ${flagName}`);
      f.used = true;
      if (f.type === 'bool') {
        if (hasValue && value === '') throw new Error(`missing a value on flag: ${flagName}`);
        const v = value.toLowerCase();
        if (v === 'true' || v === '') f.value = 'true';
        else if (v === 'false') f.value = 'false';
        else throw new Error(`expecting boolean value for flag ${flagName}, not: ${value}`);
      } else {
        if (!hasValue) throw new Error(`missing a value on flag: ${flagName}`);
        if (f.type === 'string') f.value = value;
        else f.values.push(value);
      }
    }
  }
}

// ---- errors in BuildKit's words ----
const atLeastOne = (c: string) => new Error(`${c} requires at least one argument`);
const exactlyOne = (c: string) => new Error(`${c} requires exactly one argument`);
const noDestination = (c: string) =>
  new Error(`${c} requires at least two arguments, but only one was provided. Destination could not be determined`);
const blankNames = (c: string) => new Error(`${c} names can not be blank`);

interface Req { node: Node; args: string[]; flags: BFlags; base: Base }

/** Converts one AST node. Throws InstructionError (the message without the line prefix). */
export function parseInstruction(node: Node): Instruction {
  const base: Base = {
    name: node.value,
    original: node.original,
    location: { start: node.startLine, end: node.endLine },
    comments: node.comments,
  };
  const req: Req = { node, args: node.args, flags: new BFlags(node.flags), base };
  try {
    return dispatch(req);
  } catch (err) {
    if (err instanceof InstructionError) throw err;
    throw new InstructionError((err as Error).message, base.location);
  }
}

function dispatch(req: Req): Instruction {
  const { node } = req;
  switch (node.value.toLowerCase()) {
    case 'env': {
      req.flags.parse();
      return { ...req.base, kind: 'env', env: parseKvps(req.args, 'ENV') };
    }
    case 'maintainer': {
      if (req.args.length !== 1) throw exactlyOne('MAINTAINER');
      req.flags.parse();
      return { ...req.base, kind: 'maintainer', maintainer: req.args[0]! };
    }
    case 'label': {
      req.flags.parse();
      return { ...req.base, kind: 'label', labels: parseKvps(req.args, 'LABEL') };
    }
    case 'add': return parseAdd(req);
    case 'copy': return parseCopy(req);
    case 'from': return parseFrom(req);
    case 'onbuild': return parseOnbuild(req);
    case 'workdir': {
      if (req.args.length !== 1) throw exactlyOne('WORKDIR');
      req.flags.parse();
      return { ...req.base, kind: 'workdir', path: req.args[0]! };
    }
    case 'run': return parseRun(req);
    case 'cmd': {
      req.flags.parse();
      return { ...req.base, kind: 'cmd', ...shellDependent(req) };
    }
    case 'entrypoint': {
      req.flags.parse();
      const sd = shellDependent(req);
      return { ...req.base, kind: 'entrypoint', ...sd, cmdLine: sd.cmdLine.length === 0 ? null : sd.cmdLine };
    }
    case 'healthcheck': return parseHealthcheck(req);
    case 'expose': {
      if (req.args.length === 0) throw atLeastOne('EXPOSE');
      req.flags.parse();
      return { ...req.base, kind: 'expose', ports: [...req.args].sort() };
    }
    case 'user': {
      if (req.args.length !== 1) throw exactlyOne('USER');
      req.flags.parse();
      return { ...req.base, kind: 'user', user: req.args[0]! };
    }
    case 'volume': {
      if (req.args.length === 0) throw atLeastOne('VOLUME');
      req.flags.parse();
      const volumes = req.args.map((v) => v.trim());
      if (volumes.includes('')) throw new Error('VOLUME specified can not be an empty string');
      return { ...req.base, kind: 'volume', volumes };
    }
    case 'stopsignal': {
      if (req.args.length !== 1) throw exactlyOne('STOPSIGNAL');
      return { ...req.base, kind: 'stopsignal', signal: req.args[0]! };
    }
    case 'arg': return parseArg(req);
    case 'shell': {
      req.flags.parse();
      const args = handleJSONArgs(req.args, node.json);
      if (args.length === 0) throw atLeastOne('SHELL');
      if (!node.json) throw new Error('SHELL requires the arguments to be in JSON form');
      return { ...req.base, kind: 'shell', shell: args };
    }
  }
  throw new Error(suggest(`unknown instruction: ${node.value}`, node.value, INSTRUCTION_NAMES, false));
}

function parseKvps(args: string[], cmd: string): KeyValue[] {
  if (args.length === 0) throw atLeastOne(cmd);
  if (args.length % 3 !== 0) throw new Error(`Bad input to ${cmd}, too many arguments`);
  const out: KeyValue[] = [];
  for (let i = 0; i < args.length; i += 3) {
    if (args[i]!.length === 0) throw blankNames(cmd);
    out.push({ key: args[i]!, value: args[i + 1]!, noDelim: args[i + 2] === '' });
  }
  return out;
}

function handleJSONArgs(args: string[], json: boolean): string[] {
  if (args.length === 0) return [];
  if (json) return [...args];
  return [args.join(' ')];
}

function shellDependent(req: Req): { cmdLine: string[]; prependShell: boolean; files: ShellInlineFile[] } {
  return {
    cmdLine: handleJSONArgs(req.args, req.node.json),
    prependShell: !req.node.json,
    files: req.node.heredocs.map((h) => ({
      name: h.name, data: h.content, chomp: h.chomp, expand: h.expand, fileDescriptor: h.fileDescriptor,
    })),
  };
}

function sourcesAndDest(req: Req, cmd: string): { sourcePaths: string[]; sourceContents: SourceContent[]; dest: string } {
  const srcs = req.args.slice(0, -1);
  const dest = req.args[req.args.length - 1]!;
  if (parseHeredocSafe(dest)) throw new Error(`${cmd} cannot accept a heredoc as a destination`);
  const lookup = new Map<string, Heredoc>(req.node.heredocs.map((h) => [h.name, h]));
  const sourcePaths: string[] = [];
  const sourceContents: SourceContent[] = [];
  for (const src of srcs) {
    const h = parseHeredocSafe(src);
    if (h) {
      let data = lookup.get(h.name)?.content ?? '';
      if (h.chomp) data = chompHeredocContent(data);
      sourceContents.push({ path: h.name, data, expand: h.expand });
    } else {
      sourcePaths.push(src);
    }
  }
  return { sourcePaths, sourceContents, dest };
}

function parseHeredocSafe(s: string): Heredoc | undefined {
  try {
    return parseHeredoc(s);
  } catch {
    return undefined;
  }
}

function parseAdd(req: Req): AddInstruction {
  if (req.args.length < 2) throw noDestination('ADD');
  const f = req.flags;
  const chown = f.string('chown');
  const chmod = f.string('chmod');
  const link = f.bool('link');
  const keepGitDir = f.bool('keep-git-dir');
  const checksum = f.string('checksum');
  const unpack = f.bool('unpack');
  const exclude = f.strings('exclude');
  f.parse();
  return {
    ...req.base, kind: 'add', ...sourcesAndDest(req, 'ADD'),
    chown: chown.value, chmod: chmod.value, link: link.value === 'true',
    keepGitDir: keepGitDir.used ? keepGitDir.value === 'true' : undefined,
    checksum: checksum.value,
    unpack: unpack.used ? unpack.value === 'true' : undefined,
    exclude: exclude.values,
  };
}

function parseCopy(req: Req): CopyInstruction {
  if (req.args.length < 2) throw noDestination('COPY');
  const f = req.flags;
  const chown = f.string('chown');
  const from = f.string('from');
  const chmod = f.string('chmod');
  const link = f.bool('link');
  const exclude = f.strings('exclude');
  const parents = f.bool('parents');
  f.parse();
  return {
    ...req.base, kind: 'copy', ...sourcesAndDest(req, 'COPY'),
    from: from.value, chown: chown.value, chmod: chmod.value, link: link.value === 'true',
    parents: parents.value === 'true', exclude: exclude.values,
  };
}

const VALID_STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

function parseFrom(req: Req): FromInstruction {
  const a = req.args;
  let stageName = '';
  if (a.length === 3 && a[1]!.toLowerCase() === 'as') {
    stageName = a[2]!.toLowerCase();
    if (!VALID_STAGE_NAME.test(stageName)) {
      throw new Error(`invalid name for build stage: ${JSON.stringify(a[2])}, name can't start with a number or contain symbols`);
    }
  } else if (a.length !== 1) {
    throw new Error('FROM requires either one or three arguments');
  }
  const platform = req.flags.string('platform');
  req.flags.parse();
  return { ...req.base, kind: 'from', baseName: a[0]!, stageName, platform: platform.value };
}

function parseOnbuild(req: Req): OnbuildInstruction {
  if (req.args.length === 0) throw atLeastOne('ONBUILD');
  req.flags.parse();
  const trigger = req.args[0]!.trim().toUpperCase();
  if (trigger === 'ONBUILD') throw new Error('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = req.node.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of req.node.heredocs) expression += '\n' + h.content + h.name;
  return { ...req.base, kind: 'onbuild', expression };
}

function parseRun(req: Req): RunInstruction {
  const f = req.flags;
  const mount = f.strings('mount');
  const network = f.string('network', 'default');
  const security = f.string('security', 'sandbox');
  f.parse();
  const flagsUsed = f.used();
  const sd = shellDependent(req);
  const mounts: RunMount[] = [];
  for (const spec of mount.values) {
    checkMountFrom(spec);
    // Parsed again with variables by the evaluator; a value that needs them may not parse yet.
    try {
      mounts.push(parseMount(spec));
    } catch (err) {
      if (!spec.includes('$')) throw err;
    }
  }
  if (!['default', 'none', 'host'].includes(network.value)) throw new Error(`invalid network mode ${JSON.stringify(network.value)}`);
  if (security.value !== 'sandbox' && security.value !== 'insecure') {
    throw new Error(`security ${JSON.stringify(security.value)} is not valid`);
  }
  return {
    ...req.base, kind: 'run', ...sd, mountSpecs: mount.values, mounts,
    network: network.value as NetworkMode, security: security.value as 'sandbox' | 'insecure', flagsUsed,
  };
}

function parseOptInterval(name: string, f: Flag): number {
  if (f.value === '') return 0;
  const d = parseGoDuration(f.value);
  if (d === 0) return 0;
  if (d < 1e6) throw new Error(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return d;
}

function parseHealthcheck(req: Req): HealthcheckInstruction {
  if (req.args.length === 0) throw atLeastOne('HEALTHCHECK');
  let typ = req.args[0]!.toUpperCase();
  const args = req.args.slice(1);
  const health: HealthConfig = { test: [], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (typ === 'NONE') {
    if (args.length !== 0) throw new Error('HEALTHCHECK NONE takes no arguments');
    health.test = ['NONE'];
    return { ...req.base, kind: 'healthcheck', health };
  }
  const f = req.flags;
  const interval = f.string('interval');
  const timeout = f.string('timeout');
  const startPeriod = f.string('start-period');
  const startInterval = f.string('start-interval');
  const retries = f.string('retries');
  f.parse();
  if (typ !== 'CMD') throw new Error(`Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = handleJSONArgs(args, req.node.json);
  if (cmd.length === 0) throw new Error('Missing command after HEALTHCHECK CMD');
  if (!req.node.json) typ = 'CMD-SHELL';
  health.test = [typ, ...cmd];
  health.interval = parseOptInterval('interval', interval);
  health.timeout = parseOptInterval('timeout', timeout);
  health.startPeriod = parseOptInterval('start-period', startPeriod);
  health.startInterval = parseOptInterval('start-interval', startInterval);
  if (retries.value !== '') {
    if (!/^[+-]?\d+$/.test(retries.value)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(retries.value)}: invalid syntax`);
    const n = Number.parseInt(retries.value, 10);
    if (n > 2147483647 || n < -2147483648) {
      throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(retries.value)}: value out of range`);
    }
    if (n < 0) throw new Error(`--retries cannot be negative (${n})`);
    health.retries = n;
  }
  return { ...req.base, kind: 'healthcheck', health };
}

function parseArg(req: Req): ArgInstruction {
  if (req.args.length < 1) throw atLeastOne('ARG');
  const args: ArgDef[] = req.args.map((a) => {
    const i = a.indexOf('=');
    if (i < 0) return { key: a, value: undefined };
    if (i === 0) throw blankNames('ARG');
    return { key: a.slice(0, i), value: a.slice(i + 1) };
  });
  return { ...req.base, kind: 'arg', args };
}
