/**
 * The Compose Specification's merge rules for several -f files and for `extends`: mappings merge key by key,
 * sequences append (unique resources such as volumes, secrets and configs merge by their target), commands
 * are replaced, !reset drops the earlier value and !override replaces it.
 */
import { isReset, overridden } from './yaml-source.ts';

type Json = Record<string, unknown>;

/** Service keys whose value is a command line: the later file replaces it. */
const REPLACED = new Set(['command', 'entrypoint', 'healthcheck.test', 'build.dockerfile_inline']);
/** Sequences of unique resources, keyed by the field that identifies an entry. */
const KEYED: Record<string, (v: unknown) => string> = {
  volumes: (v) => (typeof v === 'string' ? (v.split(':')[1] ?? v) : String((v as Json).target)),
  secrets: (v) => (typeof v === 'string' ? v : String((v as Json).target ?? (v as Json).source)),
  configs: (v) => (typeof v === 'string' ? v : String((v as Json).target ?? (v as Json).source)),
};
/** list_or_dict keys: a KEY=VAL list is turned into a mapping first, so both forms merge alike. */
const DICTS = new Set(['environment', 'labels', 'extra_hosts', 'sysctls', 'annotations', 'build.args', 'build.labels', 'deploy.labels']);

export function toDict(v: unknown, sep = '='): Json {
  if (!Array.isArray(v)) return (v ?? {}) as Json;
  const out: Json = {};
  for (const item of v as string[]) {
    const s = String(item);
    const i = s.indexOf(sep);
    out[i < 0 ? s : s.slice(0, i)] = i < 0 ? null : s.slice(i + 1);
  }
  return out;
}

/** Merges `over` onto `base`; `path` is the dotted key inside a service ("" at the service's root). */
export function mergeValues(base: unknown, over: unknown, path = ''): unknown {
  if (isReset(over)) return undefined;
  const forced = overridden(over);
  if (forced) return forced.value;
  if (base === undefined) return over;
  if (DICTS.has(path)) return mergeValues(toDict(base, path === 'extra_hosts' ? ':' : '='), toDict(over, path === 'extra_hosts' ? ':' : '='), `${path}#dict`);
  if (REPLACED.has(path)) return over;
  if (Array.isArray(base) && Array.isArray(over)) {
    const key = KEYED[path];
    if (!key) return [...base, ...over.filter((x) => !base.some((b) => JSON.stringify(b) === JSON.stringify(x)))];
    const byKey = new Map(base.map((b) => [key(b), b] as const));
    for (const x of over) byKey.set(key(x), x);
    return [...byKey.values()];
  }
  if (isMap(base) && isMap(over)) {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const merged = mergeValues(base[k], v, path === '' || path.endsWith('#dict') ? (path.endsWith('#dict') ? path : k) : `${path}.${k}`);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return over;
}

function isMap(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Merges whole compose documents: top-level sections by name, services with the service rules. */
export function mergeDocuments(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [section, value] of Object.entries(over)) {
    if (isReset(value)) { delete out[section]; continue; }
    if (section === 'services' && isMap(value)) {
      const services: Json = { ...((out.services as Json | undefined) ?? {}) };
      for (const [name, svc] of Object.entries(value)) {
        const merged = mergeValues(services[name], svc);
        if (merged === undefined) delete services[name];
        else services[name] = merged;
      }
      out.services = services;
    } else if (isMap(value) && isMap(out[section])) {
      out[section] = mergeValues(out[section], value, `#${section}`);
    } else {
      out[section] = overridden(value)?.value ?? value;
    }
  }
  return out;
}
