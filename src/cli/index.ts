/**
 * The berth CLI: global flags (-H/--host, -D, -l, -v), command resolution, per-command flag parsing, --help,
 * argument-count checks and docker's error printing and exit codes. Commands are loaded lazily.
 */
import { EngineClient } from '../client/engine-client.ts';
import { parseHost, selectHost } from '../client/host.ts';
import { errorText } from './error-text.ts';
import type { CliContext, CommandDefinition } from './command.ts';
import { StatusError } from './command.ts';
import { commandHelp } from './help.ts';
import { FlagError, parseFlags } from './flags/parse-flags.ts';
import { COMMANDS, GROUPS, resolveCommand } from './commands/registry.ts';

const PROGRAM = 'berth';
export const CLI_VERSION = '0.1.0';

interface GlobalOptions {
  host?: string;
  help: boolean;
  version: boolean;
  rest: string[];
}

function parseGlobals(argv: string[]): GlobalOptions {
  const o: GlobalOptions = { help: false, version: false, rest: [] };
  const valued = new Set(['-H', '--host', '-l', '--log-level', '--config', '-c', '--context', '--tlscacert', '--tlscert', '--tlskey']);
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') break;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (valued.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: ${name.startsWith('--') ? name : `'${name[1]}' in ${name}`}`);
      if (name === '-H' || name === '--host') o.host = value;
    } else if (name.startsWith('-H') && name.length > 2) {
      o.host = name.slice(2);
    } else if (name === '--help' || name === '-h') {
      o.help = true;
    } else if (name === '-v' || name === '--version') {
      o.version = true;
    } else if (!['-D', '--debug', '--tls', '--tlsverify'].includes(name)) {
      throw new FlagError(`unknown flag: ${name}`);
    }
  }
  o.rest = argv.slice(i);
  return o;
}

function mainUsage(): string {
  const lines = [`Usage:  ${PROGRAM} [OPTIONS] COMMAND`, '', 'A self-sufficient runtime for containers', '', 'Commands:'];
  const shown = Object.entries(COMMANDS).filter(([, e]) => !e.aliases.some((a) => a.includes(' ')) || e.aliases.some((a) => !a.includes(' ')));
  for (const [key, e] of shown) {
    const short = e.aliases.find((a) => !a.includes(' ')) ?? key;
    lines.push(`  ${short.padEnd(11)} ${e.description}`);
  }
  lines.push('', 'Management Commands:', '  builder     Manage builds', '  container   Manage containers', '  image       Manage images', '  network     Manage networks', '  system      Manage Docker', '  volume      Manage volumes');
  lines.push('', 'Global Options:', '  -H, --host string        Daemon socket to connect to', '  -v, --version            Print version information and quit');
  lines.push('', `Run '${PROGRAM} COMMAND --help' for more information on a command.`);
  return `${lines.join('\n')}\n`;
}

function groupUsage(group: string): string {
  const lines = [`Usage:  ${PROGRAM} ${group} COMMAND`, '', `Manage ${group}s`, '', 'Commands:'];
  for (const [key, e] of Object.entries(COMMANDS)) {
    if (key.startsWith(`${group} `)) lines.push(`  ${key.slice(group.length + 1).padEnd(11)} ${e.description}`);
  }
  lines.push('', `Run '${PROGRAM} ${group} COMMAND --help' for more information on a command.`);
  return `${lines.join('\n')}\n`;
}

function makeContext(host: string | undefined, commandPath: string): CliContext {
  let client: EngineClient | undefined;
  return {
    client: () => (client ??= new EngineClient({ address: parseHost(selectHost(host)), apiVersion: process.env.DOCKER_API_VERSION })),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    commandPath,
  };
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
  let globals: GlobalOptions;
  try {
    globals = parseGlobals(argv);
  } catch (e) {
    err(`${(e as Error).message}\nSee '${PROGRAM} --help'.`);
    return 125;
  }
  if (globals.version) {
    process.stdout.write(`Berth version ${CLI_VERSION}\n`);
    return 0;
  }
  if (globals.rest.length === 0 || globals.rest[0] === 'help') {
    process.stdout.write(mainUsage());
    return globals.rest.length === 0 && !globals.help ? 0 : 0;
  }
  const [first, second] = globals.rest;
  if ((GROUPS as readonly string[]).includes(first) && (second === undefined || second.startsWith('-'))) {
    process.stdout.write(groupUsage(first));
    return 0;
  }
  const resolved = resolveCommand(globals.rest);
  if (!resolved) {
    const shown = (GROUPS as readonly string[]).includes(first) ? `${first} ${second}` : first;
    err(`${PROGRAM}: unknown command: ${PROGRAM} ${shown}\n\nRun '${PROGRAM} --help' for more information`);
    return 1;
  }
  const commandPath = `${PROGRAM} ${resolved.words.join(' ')}`;
  const def = await resolved.entry.load();
  const usageLine = `Usage:  ${commandPath} ${def.usage}`;
  let flags;
  try {
    flags = parseFlags(resolved.rest, def.flags, { interspersed: def.interspersed ?? true });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    err(`${e.message}\n\n${usageLine}\n\nRun '${commandPath} --help' for more information`);
    return 125;
  }
  if (flags.help || globals.help) {
    process.stdout.write(commandHelp(def, commandPath, resolved.entry.aliases.map((a) => `${PROGRAM} ${a}`)));
    return 0;
  }
  const argsProblem = checkArgs(def, flags.args.length, commandPath);
  if (argsProblem) {
    err(`${PROGRAM}: ${argsProblem.message}\n\n${usageLine}\n\n${argsProblem.hint} '${commandPath} --help' for more information`);
    return 1;
  }
  const ctx = makeContext(globals.host, commandPath);
  try {
    return await def.run(ctx, flags);
  } catch (e) {
    return reportFailure(e, def, commandPath);
  } finally {
    // the keep-alive agent would otherwise hold the process open
  }
}

/** cobra/docker argument rules; "See" follows minimum-count failures, "Run" the others (as docker 28 prints). */
function checkArgs(def: CommandDefinition, count: number, commandPath: string): { message: string; hint: 'See' | 'Run' } | undefined {
  const { min, max } = def.args ?? {};
  const quoted = `'${commandPath}'`;
  const plural = (n: number) => `${n} ${n === 1 ? 'argument' : 'arguments'}`;
  if (min !== undefined && max !== undefined && min === max && count !== min) {
    return { message: `${quoted} requires ${plural(min)}`, hint: 'Run' };
  }
  if (min !== undefined && count < min) return { message: `${quoted} requires at least ${plural(min)}`, hint: 'See' };
  if (max !== undefined && count > max) {
    return { message: max === 0 ? `${quoted} accepts no arguments` : `${quoted} requires at most ${plural(max)}`, hint: 'Run' };
  }
  return undefined;
}

function reportFailure(e: unknown, def: CommandDefinition, commandPath: string): number {
  if (e instanceof StatusError) {
    if (e.message) process.stderr.write(`${e.message}\n`);
    return e.exitCode || 1;
  }
  const text = errorText(e);
  if (def.failureExitCode) {
    process.stderr.write(`${PROGRAM}: ${text}\n\nRun '${commandPath} --help' for more information\n`);
    return def.failureExitCode;
  }
  process.stderr.write(`${text}\n`);
  return 1;
}
