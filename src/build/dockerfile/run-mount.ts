/** `RUN --mount=type=cache,target=/root/.cache,...` → RunMount (BuildKit instructions/commands_runmount.go). */
import { suggest } from './suggest.ts';
import { ramInBytes } from '../../lib/human.ts';

export const MOUNT_TYPES = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'] as const;
export type MountType = (typeof MOUNT_TYPES)[number];
export const SHARING_MODES = ['shared', 'private', 'locked'] as const;
export type SharingMode = (typeof SHARING_MODES)[number];

export interface RunMount {
  type: MountType;
  from?: string;
  source?: string;
  target?: string;
  readOnly: boolean;
  /** tmpfs size in bytes (0 = unlimited). */
  sizeLimit: number;
  /** cache id / secret id. */
  id?: string;
  sharing?: SharingMode;
  /** secret/ssh: fail when missing. */
  required: boolean;
  /** secret: expose as this environment variable. */
  env?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Splits one CSV record (quotes with "" escapes), as encoding/csv does for a single line. */
export function csvFields(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new Error(`failed to parse csv mounts: extraneous or missing " in quoted-field`);
        if (s[i] === '"') {
          if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += s[i++];
      }
      if (i < s.length && s[i] !== ',') throw new Error(`failed to parse csv mounts: extraneous or missing " in quoted-field`);
    } else {
      const j = s.indexOf(',', i);
      field = j < 0 ? s.slice(i) : s.slice(i, j);
      i = j < 0 ? s.length : j;
    }
    out.push(field);
    if (i >= s.length) return out;
    i++; // comma
  }
}

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

const ALL_KEYS = ['type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid',
  'gid', 'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env'];

/**
 * Parses one --mount value. `expand` substitutes variables in values (build args/env); BuildKit parses mounts
 * only once variables are known, so call this at evaluation time with the stage's expander.
 */
export function parseMount(val: string, expand: (word: string) => string = (w) => w): RunMount {
  const fields = csvFields(val);
  const m: RunMount = { type: 'bind', readOnly: false, sizeLimit: 0, required: false };
  let roAuto = true;
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') { m.readOnly = true; roAuto = false; continue; }
      if (key === 'readwrite' || key === 'rw') { m.readOnly = false; roAuto = false; continue; }
      if (key === 'required') {
        if (m.type === 'secret' || m.type === 'ssh') { m.required = true; continue; }
        throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
      }
      throw new Error(`invalid field '${field}' must be a key=value pair`);
    }
    const value = expand(field.slice(eq + 1));
    const bool = () => {
      const b = parseBool(value);
      if (b === undefined) throw new Error(`invalid value for ${key}: ${value}`);
      return b;
    };
    const uint = (base: number, what: string) => {
      const ok = base === 8 ? /^[0-7]+$/.test(value) : /^\d+$/.test(value);
      const n = Number.parseInt(value, base);
      if (!ok || n > 0xffffffff) throw new Error(`invalid value ${value} for ${what}`);
      return n;
    };
    switch (key) {
      case 'type': {
        const v = value.toLowerCase();
        if (!(MOUNT_TYPES as readonly string[]).includes(v)) {
          throw new Error(suggest(`unsupported mount type ${JSON.stringify(value)}`, value, MOUNT_TYPES, true));
        }
        m.type = v as MountType;
        break;
      }
      case 'from': m.from = value; break;
      case 'source': case 'src': m.source = value; break;
      case 'target': case 'dst': case 'destination': m.target = value; break;
      case 'readonly': case 'ro': m.readOnly = bool(); roAuto = false; break;
      case 'readwrite': case 'rw': m.readOnly = !bool(); roAuto = false; break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = bool();
        break;
      case 'size':
        if (m.type !== 'tmpfs') throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
        try { m.sizeLimit = ramInBytes(value); } catch { throw new Error(`invalid value for ${key}: ${value}`); }
        break;
      case 'id': m.id = value; break;
      case 'sharing': {
        const v = value.toLowerCase();
        if (!(SHARING_MODES as readonly string[]).includes(v)) {
          throw new Error(suggest(`unsupported sharing value ${JSON.stringify(value)}`, value, SHARING_MODES, true));
        }
        m.sharing = v as SharingMode;
        break;
      }
      case 'mode': m.mode = uint(8, 'mode'); break;
      case 'uid': m.uid = uint(10, 'uid'); break;
      case 'gid': m.gid = uint(10, 'gid'); break;
      case 'env': m.env = value; break;
      default:
        throw new Error(suggest(`unexpected key '${key}' in '${field}'`, key, ALL_KEYS, true));
    }
  }
  const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfoAllowed) {
    if (m.mode !== undefined) throw new Error(`mode not allowed for ${JSON.stringify(m.type)} type mounts`);
    if (m.uid !== undefined) throw new Error(`uid not allowed for ${JSON.stringify(m.type)} type mounts`);
    if (m.gid !== undefined) throw new Error(`gid not allowed for ${JSON.stringify(m.type)} type mounts`);
  }
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from !== undefined && m.from !== '') throw new Error('secret mount should not have a from');
    if (m.sharing) throw new Error('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id) throw new Error('invalid secret mount. one of source, target required');
    if (m.source && m.id) throw new Error("both source and id can't be set");
  }
  if (m.sharing && m.type !== 'cache') throw new Error(`invalid cache sharing set for ${m.type} mount`);
  return m;
}

/** The parse-time check BuildKit makes before variables are known: `from=` may not use variables. */
export function checkMountFrom(val: string): void {
  let fields: string[];
  try { fields = csvFields(val); } catch { return; }
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq < 0 || f.slice(0, eq).toLowerCase() !== 'from') continue;
    const v = f.slice(eq + 1);
    const i = v.indexOf('$');
    if (i !== -1 && i !== v.length - 1) throw new Error("'from' doesn't support variable expansion, define alias stage instead");
  }
}
