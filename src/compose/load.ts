/**
 * Loads a compose project: finds the files, reads .env / --env-file, then per file parses YAML, interpolates,
 * validates against the schema and resolves `extends`; merges the files in order, applies profiles and
 * normalises. Every error names the file, and the service and key where there is one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Dict, FileObject, NetworkConfig, Project, Service, VolumeConfig } from './model.ts';
import { interpolateTree } from './interpolate.ts';
import { mergeDocuments, mergeValues } from './merge.ts';
import { normalizeService, resolvePath } from './normalize-service.ts';
import { parseEnvFile } from './env-file.ts';
import { parseComposeYaml, stripTags } from './yaml-source.ts';
import { validateCompose } from './validate.ts';
import { checkReferences } from './references.ts';

export interface LoadOptions {
  files?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles?: string[];
  profiles?: string[];
  /** The process environment; variables here win over .env. */
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class ComposeLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeLoadError';
  }
}

const CANDIDATES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
const OVERRIDES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

/** The files to load: -f, else COMPOSE_FILE, else the first candidate in the directory or a parent (plus its override). */
export function findComposeFiles(o: Pick<LoadOptions, 'files' | 'env' | 'cwd'>): string[] {
  if (o.files?.length) return o.files.map((f) => (f === '-' ? f : resolve(o.cwd, f)));
  if (o.env.COMPOSE_FILE) return o.env.COMPOSE_FILE.split(o.env.COMPOSE_PATH_SEPARATOR ?? ':').map((f) => resolve(o.cwd, f));
  for (let dir = resolve(o.cwd); ; dir = dirname(dir)) {
    const found = CANDIDATES.find((c) => existsSync(join(dir, c)));
    if (found) {
      const override = OVERRIDES.find((c) => existsSync(join(dir, c)));
      return [join(dir, found), ...(override ? [join(dir, override)] : [])];
    }
    if (dir === dirname(dir)) break;
  }
  throw new ComposeLoadError('no configuration file provided: not found');
}

export function projectNameFrom(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
}

export function loadProject(o: LoadOptions): Project {
  const files = findComposeFiles(o);
  const workingDir = o.projectDirectory ? resolve(o.cwd, o.projectDirectory) : dirname(files[0]);
  const environment = loadEnvironment(o, workingDir);
  const lookup = (k: string) => environment[k];
  let merged: Record<string, unknown> = {};
  for (const file of files) merged = mergeDocuments(merged, loadFile(file, lookup, new Set()));
  merged = stripTags(merged) as Record<string, unknown>;
  const name = projectNameFrom(o.projectName ?? o.env.COMPOSE_PROJECT_NAME ?? (merged.name as string | undefined) ?? basename(workingDir));
  if (!name) throw new ComposeLoadError(`${files[0]}: project name must not be empty`);

  const profiles = new Set(o.profiles?.length ? o.profiles : (o.env.COMPOSE_PROFILES ?? '').split(',').filter(Boolean));
  const services: Dict<Service> = {};
  const disabled: Dict<Service> = {};
  for (const [svcName, raw] of Object.entries((merged.services ?? {}) as Dict<Record<string, unknown>>)) {
    const svc = wrap(files[0], `services.${svcName}`, () => normalizeService(svcName, raw, workingDir, lookup));
    const active = !svc.profiles?.length || svc.profiles.some((p) => profiles.has(p) || profiles.has('*'));
    (active ? services : disabled)[svcName] = svc;
  }
  const project: Project = {
    name, workingDir, configFiles: files, services, disabled, environment,
    networks: topLevel<NetworkConfig>(merged.networks, name),
    volumes: topLevel<VolumeConfig>(merged.volumes, name),
    secrets: fileObjects(merged.secrets, name, workingDir),
    configs: fileObjects(merged.configs, name, workingDir),
  };
  if (Object.values(services).some((s) => 'default' in s.networks) && !project.networks.default) project.networks.default = { name: `${name}_default` };
  checkReferences(project, files[0]);
  return project;
}

function wrap<T>(file: string, where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ComposeLoadError(`${file}: ${where}: ${(err as Error).message}`);
  }
}

function loadEnvironment(o: LoadOptions, workingDir: string): Dict {
  const env: Dict = {};
  const explicit = o.envFiles?.length ? o.envFiles.map((f) => resolve(o.cwd, f)) : undefined;
  for (const file of explicit ?? [join(workingDir, '.env')]) {
    if (!existsSync(file)) {
      if (explicit) throw new ComposeLoadError(`couldn't find env file: ${file}`);
      continue;
    }
    for (const [k, v] of parseEnvFile(readFileSync(file, 'utf8'), file)) if (v !== undefined) env[k] = v;
  }
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) env[k] = v;
  return env;
}

function readDocument(file: string, lookup: (k: string) => string | undefined): Record<string, unknown> {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (err) {
    throw new ComposeLoadError(`open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  const doc = parseComposeYaml(text, file);
  let interpolated: Record<string, unknown>;
  try {
    interpolated = interpolateTree(doc, lookup, '') as Record<string, unknown>;
  } catch (err) {
    throw new ComposeLoadError(`${file}: ${(err as Error).message}`);
  }
  validateCompose(stripTags(interpolated), file);
  return interpolated;
}

/** One file with its services' `extends` resolved (from the same file or another one). */
function loadFile(file: string, lookup: (k: string) => string | undefined, seen: Set<string>): Record<string, unknown> {
  const doc = readDocument(file, lookup);
  const services = (doc.services ?? {}) as Dict<Record<string, unknown>>;
  const resolved: Dict<Record<string, unknown>> = {};
  const resolveService = (name: string, chain: string[]): Record<string, unknown> => {
    if (resolved[name]) return resolved[name];
    const svc = services[name];
    if (!svc) throw new ComposeLoadError(`${file}: service "${name}" not found (extended by ${chain.at(-1)})`);
    const ext = svc.extends as string | { service: string; file?: string } | undefined;
    if (ext === undefined) return (resolved[name] = svc);
    const target = typeof ext === 'string' ? { service: ext } : ext;
    const key = `${target.file ? resolvePath(dirname(file), target.file) : file}#${target.service}`;
    if (chain.includes(key) || seen.has(key)) throw new ComposeLoadError(`${file}: services.${name}.extends: circular reference with ${target.service}`);
    let base: Record<string, unknown>;
    if (target.file) {
      const other = resolvePath(dirname(file), target.file);
      const otherServices = (loadFile(other, lookup, new Set([...seen, ...chain, key])).services ?? {}) as Dict<Record<string, unknown>>;
      base = otherServices[target.service];
      if (!base) throw new ComposeLoadError(`${file}: services.${name}.extends: service "${target.service}" not found in ${other}`);
    } else {
      base = resolveService(target.service, [...chain, key]);
    }
    const { extends: _drop, ...own } = svc;
    const { depends_on: _deps, ...inherited } = base; // the spec does not inherit depends_on
    return (resolved[name] = mergeValues(inherited, own) as Record<string, unknown>);
  };
  for (const name of Object.keys(services)) resolveService(name, [`${file}#${name}`]);
  return { ...doc, ...(doc.services ? { services: resolved } : {}) };
}

function topLevel<T extends { name: string; external?: boolean }>(section: unknown, project: string): Dict<T> {
  const out: Dict<T> = {};
  for (const [key, raw] of Object.entries((section ?? {}) as Dict<Record<string, unknown> | null>)) {
    const c = { ...(raw ?? {}) } as Record<string, unknown>;
    const ext = c.external as boolean | { name?: string } | undefined;
    if (typeof ext === 'object' && ext) {
      c.name ??= ext.name;
      c.external = true;
    }
    c.name ??= c.external ? key : `${project}_${key}`;
    out[key] = c as unknown as T;
  }
  return out;
}

function fileObjects(section: unknown, project: string, dir: string): Dict<FileObject> {
  const out = topLevel<FileObject>(section, project);
  for (const o of Object.values(out)) if (o.file) o.file = resolvePath(dir, o.file);
  return out;
}
