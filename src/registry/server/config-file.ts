/**
 * distribution's config.yml (docs/configuration.md), the part that maps onto `berth registry serve`'s settings:
 *
 *   version: 0.1                                  required
 *   log.level                                     debug | info | warn(ing) | error
 *   storage.filesystem.rootdirectory              --root
 *   storage.delete.enabled                        deletes (distribution's default in a config file: off)
 *   storage.maintenance.readonly.enabled          --read-only
 *   http.addr, http.relativeurls                  --addr, --relative-urls
 *   http.tls.certificate / key / clientcas        --tls-cert, --tls-key, --tls-client-ca (CAs concatenated)
 *   auth.htpasswd.realm / path                    --realm, --htpasswd
 *
 * Keys distribution knows but that change nothing here (log.formatter, log.fields, log.accesslog, storage.cache,
 * storage.maintenance.uploadpurging — `berth registry gc` purges uploads —, http.secret, http.headers, http.host,
 * http.debug, http.draintimeout, health, redis, reporting) are accepted and ignored, so Debian's stock
 * /etc/docker/registry/config.yml loads. Keys that would change behaviour Berth lacks (other storage drivers,
 * auth.token, proxy, notifications, middleware, ...) and unknown keys are errors naming the key.
 */
import { parse } from 'yaml';

export interface RegistryFileSettings {
  root?: string;
  addr?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  deleteEnabled: boolean;
  readOnly?: boolean;
  relativeUrls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCas?: string[];
  htpasswd?: string;
  realm?: string;
}

/** A config key that is wrong, in words that name it (`config.yml: http.addr: ...`). */
export class RegistryConfigError extends Error {}

type Value = unknown;
/** A leaf reads one value into the settings; `ignore` accepts anything; a string is why the key is refused. */
type Leaf = ((v: Value, key: string, s: RegistryFileSettings) => void) | 'ignore' | { unsupported: string };
interface Spec { [key: string]: Spec | Leaf }

const STORAGE_DRIVERS = ['inmemory', 's3', 'azure', 'gcs', 'swift', 'oss'];

function want<T>(kind: string, ok: (v: Value) => boolean): (v: Value, key: string) => T {
  return (v, key) => {
    if (!ok(v)) throw new RegistryConfigError(`${key}: want ${kind}, got ${JSON.stringify(v)}`);
    return v as T;
  };
}
const asString = want<string>('a string', (v) => typeof v === 'string' && v !== '');
const asBool = want<boolean>('true or false', (v) => typeof v === 'boolean');
const asStrings = want<string[]>('a list of strings', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== ''));

const LEVELS: Record<string, RegistryFileSettings['logLevel']> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error' };

const SPEC: Spec = {
  version: (v, key) => {
    if (String(v) !== '0.1') throw new RegistryConfigError(`${key}: unsupported configuration version ${JSON.stringify(v)} (want 0.1)`);
  },
  log: {
    level: (v, key, s) => {
      const l = LEVELS[asString(v, key).toLowerCase()];
      if (!l) throw new RegistryConfigError(`${key}: unknown level ${JSON.stringify(v)} (want debug, info, warn or error)`);
      s.logLevel = l;
    },
    formatter: 'ignore', fields: 'ignore', accesslog: 'ignore',
    hooks: { unsupported: 'log hooks (mail) are not supported' },
  },
  storage: {
    filesystem: {
      rootdirectory: (v, key, s) => { s.root = asString(v, key); },
      maxthreads: 'ignore',
    },
    delete: { enabled: (v, key, s) => { s.deleteEnabled = asBool(v, key); } },
    maintenance: {
      readonly: { enabled: (v, key, s) => { s.readOnly = asBool(v, key); } },
      uploadpurging: 'ignore',
    },
    cache: 'ignore',
    redirect: 'ignore',
    tag: 'ignore',
    ...Object.fromEntries(STORAGE_DRIVERS.map((d) => [d, { unsupported: `storage driver ${d} is not supported: berth registry stores on the filesystem only` }])),
  },
  http: {
    addr: (v, key, s) => { s.addr = asString(v, key); },
    net: (v, key) => {
      if (asString(v, key) !== 'tcp') throw new RegistryConfigError(`${key}: only tcp is supported, got ${JSON.stringify(v)}`);
    },
    prefix: (v, key) => {
      if (v !== '' && v !== '/') throw new RegistryConfigError(`${key}: a path prefix is not supported`);
    },
    relativeurls: (v, key, s) => { s.relativeUrls = asBool(v, key); },
    tls: {
      certificate: (v, key, s) => { s.tlsCert = asString(v, key); },
      key: (v, key, s) => { s.tlsKey = asString(v, key); },
      clientcas: (v, key, s) => { s.tlsClientCas = asStrings(v, key); },
      minimumtls: 'ignore',
      ciphersuites: 'ignore',
      letsencrypt: { unsupported: "Let's Encrypt certificates are not supported" },
    },
    host: 'ignore', secret: 'ignore', headers: 'ignore', debug: 'ignore', draintimeout: 'ignore', http2: 'ignore',
  },
  auth: {
    htpasswd: {
      realm: (v, key, s) => { s.realm = asString(v, key); },
      path: (v, key, s) => { s.htpasswd = asString(v, key); },
    },
    token: { unsupported: 'an external token server is not supported (berth registry serve --token-auth issues its own tokens)' },
    silly: { unsupported: 'silly auth is not supported' },
  },
  health: 'ignore', redis: 'ignore', reporting: 'ignore',
  proxy: { unsupported: 'pull-through cache (proxy) is not supported' },
  notifications: { unsupported: 'notifications are not supported' },
  middleware: { unsupported: 'middleware is not supported' },
  validation: { unsupported: 'manifest validation settings are not supported' },
  compatibility: { unsupported: 'compatibility settings are not supported' },
  catalog: { unsupported: 'catalog settings are not supported' },
};

function isLeaf(x: Spec | Leaf): x is Leaf {
  return typeof x === 'function' || x === 'ignore' || (typeof x === 'object' && 'unsupported' in x && typeof x.unsupported === 'string');
}

function walk(node: Value, spec: Spec, path: string, s: RegistryFileSettings): void {
  if (node === null || node === undefined) return; // `log:` with nothing under it
  if (typeof node !== 'object' || Array.isArray(node)) throw new RegistryConfigError(`${path || 'document'}: want a mapping, got ${JSON.stringify(node)}`);
  for (const [k, v] of Object.entries(node as Record<string, Value>)) {
    const key = path ? `${path}.${k}` : k;
    const rule = Object.hasOwn(spec, k) ? spec[k] : undefined;
    if (!rule) throw new RegistryConfigError(`${key}: unknown configuration key`);
    if (!isLeaf(rule)) walk(v, rule, key, s);
    else if (rule === 'ignore') continue;
    else if (typeof rule === 'function') rule(v, key, s);
    else throw new RegistryConfigError(`${key}: ${rule.unsupported}`);
  }
}

/** Parses config.yml text; throws RegistryConfigError naming the offending key. */
export function parseRegistryConfig(text: string): RegistryFileSettings {
  let doc: Value;
  try {
    doc = parse(text);
  } catch (err) {
    throw new RegistryConfigError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new RegistryConfigError('want a YAML mapping at the top level');
  if (!('version' in doc)) throw new RegistryConfigError('version: missing (want version: 0.1)');
  const s: RegistryFileSettings = { deleteEnabled: false };
  walk(doc, SPEC, '', s);
  if (!!s.tlsCert !== !!s.tlsKey) throw new RegistryConfigError('http.tls: certificate and key go together');
  if (s.tlsClientCas?.length && !s.tlsCert) throw new RegistryConfigError('http.tls.clientcas: needs http.tls.certificate and key');
  if (!!s.htpasswd !== !!s.realm) throw new RegistryConfigError('auth.htpasswd: realm and path go together');
  return s;
}
