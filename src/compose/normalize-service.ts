/**
 * One service from its merged, interpolated YAML to the normalised model: short syntaxes expanded to long ones,
 * relative paths made absolute, list-or-dict fields as mappings (what `compose config` prints).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { BuildConfig, Dependency, Dict, FileReference, PortConfig, Service, ServiceNetwork, VolumeMount } from './model.ts';
import { toDict } from './merge.ts';
import { parseEnvFile } from './env-file.ts';
import { shellWords } from './shell-words.ts';

type Raw = Record<string, unknown>;

export function resolvePath(dir: string, p: string): string {
  if (p === '~' || p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(dir, p);
}

const command = (v: unknown): string[] | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? shellWords(v) : (v as unknown[]).map(String));
const strings = (v: unknown): string[] => (v === undefined || v === null ? [] : typeof v === 'string' ? [v] : (v as unknown[]).map(String));
const stringDict = (v: unknown): Dict => Object.fromEntries(Object.entries(toDict(v)).map(([k, x]) => [k, x === null ? '' : String(x)]));

export function normalizeService(name: string, raw: Raw, dir: string, lookup: (k: string) => string | undefined): Service {
  const s: Service = {
    ...raw,
    name,
    environment: environment(raw, dir, lookup),
    ports: ((raw.ports as unknown[] | undefined) ?? []).flatMap(port),
    expose: strings(raw.expose),
    volumes: ((raw.volumes as unknown[] | undefined) ?? []).map((v) => volume(v, dir)),
    networks: networks(raw),
    depends_on: dependsOn(raw.depends_on),
    labels: stringDict(raw.labels),
    extra_hosts: Object.entries(toDict(raw.extra_hosts, Array.isArray(raw.extra_hosts) && String((raw.extra_hosts as string[])[0] ?? '').includes('=') ? '=' : ':')).map(([h, ip]) => `${h}:${String(ip)}`),
    secrets: fileRefs(raw.secrets),
    configs: fileRefs(raw.configs),
  };
  delete s.env_file;
  delete s.extends;
  if (raw.build !== undefined) s.build = build(raw.build, dir);
  if (raw.command !== undefined) s.command = command(raw.command);
  if (raw.entrypoint !== undefined) s.entrypoint = command(raw.entrypoint);
  if (raw.tmpfs !== undefined) s.tmpfs = strings(raw.tmpfs);
  if (raw.healthcheck !== undefined) {
    const h = { ...(raw.healthcheck as Raw) };
    if (typeof h.test === 'string') h.test = ['CMD-SHELL', h.test];
    s.healthcheck = h;
  }
  return s;
}

function environment(raw: Raw, dir: string, lookup: (k: string) => string | undefined): Dict<string | null> {
  const out: Dict<string | null> = {};
  const files = raw.env_file === undefined ? [] : Array.isArray(raw.env_file) ? raw.env_file : [raw.env_file];
  for (const f of files as (string | { path: string; required?: boolean })[]) {
    const path = resolvePath(dir, typeof f === 'string' ? f : f.path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (typeof f !== 'string' && f.required === false) continue;
      throw new Error(`env file ${path} not found: ${(err as Error).message}`);
    }
    for (const [k, v] of parseEnvFile(text, path)) out[k] = v ?? lookup(k) ?? null;
  }
  for (const [k, v] of Object.entries(toDict(raw.environment))) out[k] = v === null ? (lookup(k) ?? null) : String(v);
  return out;
}

/** "[ip:][published[-end]:]target[-end][/proto]" or the long form. */
export function port(v: unknown): PortConfig[] {
  if (typeof v === 'object' && v !== null) {
    const p = v as Raw;
    return [{ mode: (p.mode as PortConfig['mode']) ?? 'ingress', target: Number(p.target), ...(p.published !== undefined ? { published: String(p.published) } : {}), protocol: String(p.protocol ?? 'tcp'), ...(p.host_ip ? { host_ip: String(p.host_ip) } : {}) }];
  }
  const text = String(v);
  const [spec, protocol = 'tcp'] = text.split('/');
  const parts = spec.split(':');
  const target = parts.pop()!;
  const published = parts.pop();
  const hostIp = parts.length ? parts.join(':').replace(/^\[|\]$/g, '') : undefined;
  const [tStart, tEnd = tStart] = target.split('-').map(Number);
  const [pStart, pEnd] = published ? published.split('-').map(Number) : [];
  if (!Number.isInteger(tStart) || !Number.isInteger(tEnd)) throw new Error(`invalid port ${JSON.stringify(text)}`);
  const out: PortConfig[] = [];
  for (let t = tStart; t <= tEnd; t++) {
    const pub = published === undefined ? undefined : pEnd !== undefined && tEnd !== tStart ? String(pStart + (t - tStart)) : published;
    out.push({ mode: 'ingress', target: t, ...(pub !== undefined ? { published: pub } : {}), protocol, ...(hostIp ? { host_ip: hostIp } : {}) });
  }
  return out;
}

export function volume(v: unknown, dir: string): VolumeMount {
  if (typeof v === 'object' && v !== null) {
    const m = { ...(v as VolumeMount) };
    if (m.type === 'bind' && m.source) m.source = resolvePath(dir, m.source);
    return m;
  }
  const parts = String(v).split(':');
  if (parts.length === 1) return { type: 'volume', target: parts[0] };
  const [source, target, mode = ''] = parts;
  const isPath = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  const m: VolumeMount = isPath ? { type: 'bind', source: resolvePath(dir, source), target, bind: { create_host_path: true } } : { type: 'volume', source, target, volume: {} };
  if (mode.split(',').includes('ro')) m.read_only = true;
  return m;
}

function networks(raw: Raw): Dict<ServiceNetwork | null> {
  if (raw.network_mode !== undefined) return {};
  if (raw.networks === undefined) return { default: null };
  if (Array.isArray(raw.networks)) return Object.fromEntries(raw.networks.map((n) => [String(n), null]));
  return raw.networks as Dict<ServiceNetwork | null>;
}

function dependsOn(v: unknown): Dict<Dependency> {
  if (v === undefined) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((n) => [String(n), { condition: 'service_started', required: true } as Dependency]));
  return Object.fromEntries(Object.entries(v as Dict<Partial<Dependency>>).map(([n, d]) => [n, { condition: d.condition ?? 'service_started', required: d.required ?? true, ...(d.restart !== undefined ? { restart: d.restart } : {}) }]));
}

function build(v: unknown, dir: string): BuildConfig {
  const b = (typeof v === 'string' ? { context: v } : v) as Raw;
  const out: BuildConfig = { ...(b as object), context: resolvePath(dir, String(b.context ?? '.')), dockerfile: String(b.dockerfile ?? 'Dockerfile') };
  if (b.args !== undefined) out.args = toDict(b.args) as Dict<string | null>;
  if (b.labels !== undefined) out.labels = stringDict(b.labels);
  return out;
}

function fileRefs(v: unknown): FileReference[] {
  return ((v as unknown[] | undefined) ?? []).map((x) => (typeof x === 'string' ? { source: x } : (x as FileReference)));
}
