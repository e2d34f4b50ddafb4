/**
 * `docker import --change` / `docker commit --change`: Dockerfile instructions applied to an image config,
 * as moby's dockerfile.BuildFromConfig does (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR,
 * ONBUILD, STOPSIGNAL, HEALTHCHECK), in JSON (exec) or shell form.
 */
import { posix } from 'node:path';
import { constants } from 'node:os';
import { invalidArgument } from '../lib/errdefs.ts';
import { parseGoDuration } from '../lib/go-duration.ts';
import type { ContainerConfigPart, HealthConfig } from '../oci/index.ts';

const VALID = new Set(['cmd', 'entrypoint', 'healthcheck', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir']);
const SHELL = ['/bin/sh', '-c'];

/** Applies `changes` to a copy of config; invalid changes throw invalid-argument with Docker's texts. */
export function applyChanges(config: ContainerConfigPart, changes: readonly string[]): ContainerConfigPart {
  const c: ContainerConfigPart = structuredClone(config);
  let cmdSet = false;
  for (const line of logicalLines(changes.join('\n'))) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const instr = m[1].toLowerCase();
    const rest = m[2].trim();
    if (!VALID.has(instr)) throw invalidArgument(`${instr} is not a valid change command`);
    const env = c.Env ?? [];
    switch (instr) {
      case 'cmd':
        c.Cmd = commandLine(rest);
        cmdSet = true;
        break;
      case 'entrypoint': {
        const ep = commandLine(rest);
        c.Entrypoint = rest === '' ? undefined : ep;
        if (!cmdSet) delete c.Cmd;
        break;
      }
      case 'env':
        for (const [k, v] of nameValues(rest, 'ENV', env)) {
          const i = env.findIndex((e) => e.split('=', 1)[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      case 'label':
        c.Labels ??= {};
        for (const [k, v] of nameValues(rest, 'LABEL', env)) c.Labels[k] = v;
        break;
      case 'expose':
        c.ExposedPorts ??= {};
        for (const p of words(rest).map((w) => expand(w, env))) for (const port of exposePorts(p)) c.ExposedPorts[port] = {};
        break;
      case 'user':
        requireArgs(rest, 'USER');
        c.User = expand(rest, env);
        break;
      case 'volume': {
        const list = jsonArray(rest) ?? words(rest);
        if (list.length === 0) throw invalidArgument('VOLUME requires at least one argument');
        c.Volumes ??= {};
        for (const v of list) {
          const p = expand(v, env).trim();
          if (p === '') throw invalidArgument('VOLUME specified can not be an empty string');
          c.Volumes[p] = {};
        }
        break;
      }
      case 'workdir': {
        requireArgs(rest, 'WORKDIR');
        const p = expand(rest, env);
        c.WorkingDir = p.startsWith('/') ? p : posix.join('/', c.WorkingDir ?? '', p);
        break;
      }
      case 'onbuild': {
        const trigger = /^(\S+)/.exec(rest)?.[1]?.toUpperCase();
        if (!trigger) throw invalidArgument('ONBUILD requires at least one argument');
        if (trigger === 'ONBUILD') throw invalidArgument('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
        if (trigger === 'FROM' || trigger === 'MAINTAINER') throw invalidArgument(`${trigger} isn't allowed as an ONBUILD trigger`);
        c.OnBuild = [...(c.OnBuild ?? []), rest];
        break;
      }
      case 'stopsignal': {
        requireArgs(rest, 'STOPSIGNAL');
        const sig = expand(rest, env);
        if (!isSignal(sig)) throw invalidArgument(`Invalid signal: ${sig}`);
        c.StopSignal = sig;
        break;
      }
      case 'healthcheck':
        c.Healthcheck = healthcheck(rest);
        break;
    }
  }
  return c;
}

/** Joins backslash continuations; drops blank lines and comments. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (cur === '' && /^\s*(#|$)/.test(line)) continue;
    if (/\\\s*$/.test(line)) { cur += line.replace(/\\\s*$/, ''); continue; }
    out.push((cur + line).trim());
    cur = '';
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function requireArgs(rest: string, name: string): void {
  if (rest === '') throw invalidArgument(`${name} requires exactly one argument`);
}

/** JSON (exec) form if rest is a JSON array of strings, else undefined. */
function jsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch { /* shell form */ }
  return undefined;
}

function commandLine(rest: string): string[] {
  return jsonArray(rest) ?? (rest === '' ? [] : [...SHELL, rest]);
}

/** Splits on whitespace, honouring quotes and backslash escapes (Docker's word splitting). */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = '';
      else if (ch === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '\\' && i + 1 < s.length) cur += s[++i];
    else cur += ch;
  }
  if (quote) throw invalidArgument(`unexpected end of statement while looking for matching ${quote}`);
  if (inWord) out.push(cur);
  return out;
}

/** `k=v k2="v 2"` or the legacy `k v w` form. */
function nameValues(rest: string, name: string, env: string[]): [string, string][] {
  if (rest === '') throw invalidArgument(`${name} requires at least one argument`);
  const first = /^\S+/.exec(rest)![0];
  if (!first.includes('=')) {
    const value = rest.slice(first.length).trim();
    if (value === '') throw invalidArgument(`${name} must have two arguments`);
    return [[first, expand(value, env)]];
  }
  return words(rest).map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw invalidArgument(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (i === 0) throw invalidArgument(`${name} names can not be blank`);
    return [w.slice(0, i), expand(w.slice(i + 1), env)];
  });
}

/** `$VAR` and `${VAR}` from the config's Env (a subset of Docker's shell lexer). */
function expand(s: string, env: readonly string[]): string {
  if (!s.includes('$')) return s;
  const get = (k: string) => env.find((e) => e.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string, b: string) => get(a ?? b));
}

function exposePorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw invalidArgument(`invalid containerPort: ${spec.split('/')[0]}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) throw invalidArgument(`invalid range specified for container port: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

function isSignal(sig: string): boolean {
  if (/^\d+$/.test(sig)) return Number(sig) > 0;
  const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
  return name in constants.signals || /^SIGRTM(IN|AX)([+-]\d+)?$/.test(name);
}

/** A HEALTHCHECK duration flag: Go's time.ParseDuration, in nanoseconds, at least 1ms unless 0. */
function parseDuration(flag: string, s: string): number {
  let total: number;
  try {
    total = parseGoDuration(s);
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
  if (total !== 0 && total < 1e6) throw invalidArgument(`Interval "${flag}" cannot be less than 1ms`);
  return total;
}

function healthcheck(rest: string): HealthConfig {
  let args = rest;
  const hc: HealthConfig = {};
  for (let m = /^--(\w[\w-]*)=(\S+)\s*/.exec(args); m; m = /^--(\w[\w-]*)=(\S+)\s*/.exec(args)) {
    const [all, flag, value] = m;
    if (flag === 'interval') hc.Interval = parseDuration(flag, value);
    else if (flag === 'timeout') hc.Timeout = parseDuration(flag, value);
    else if (flag === 'start-period') hc.StartPeriod = parseDuration(flag, value);
    else if (flag === 'start-interval') hc.StartInterval = parseDuration(flag, value);
    else if (flag === 'retries') {
      hc.Retries = Number(value);
      if (!Number.isInteger(hc.Retries) || hc.Retries < 0) throw invalidArgument('--retries cannot be negative');
    } else throw invalidArgument(`Unknown flag: ${flag}`);
    args = args.slice(all.length);
  }
  const m = /^(\S+)\s*([\s\S]*)$/.exec(args);
  const kind = m?.[1]?.toUpperCase();
  if (kind === 'NONE') {
    if (m![2] !== '' || args !== rest) throw invalidArgument('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (kind !== 'CMD') throw invalidArgument(`Unknown type "${kind ?? ''}" in HEALTHCHECK (try CMD)`);
  const cmd = m![2];
  const json = jsonArray(cmd);
  hc.Test = json ? ['CMD', ...json] : ['CMD-SHELL', cmd];
  return hc;
}
