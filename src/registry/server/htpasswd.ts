/**
 * Basic authentication against an Apache htpasswd file (distribution's auth/htpasswd). Entries: bcrypt
 * (`$2y$`, `$2a$`, `$2b$`), `{SHA}` (base64 SHA-1) and, as Apache allows, plain text. The file is re-read when
 * its mtime changes, so users can be added without a restart.
 */
import { readFile, stat } from 'node:fs/promises';
import { createHash, timingSafeEqual } from 'node:crypto';
import { bcryptVerify } from './bcrypt.ts';
import type { Authenticator } from './handler.ts';

export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i <= 0) continue;
    users.set(line.slice(0, i), line.slice(i + 1));
  }
  return users;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `password` matches one htpasswd hash entry. Unknown schemes (`$apr1$` MD5, crypt) never match. */
export async function verifyHtpasswdEntry(entry: string, password: string): Promise<boolean> {
  if (/^\$2[aby]\$\d\d\$/.test(entry)) return bcryptVerify(password, entry);
  if (entry.startsWith('{SHA}')) return safeEqual(entry.slice(5), createHash('sha1').update(password).digest('base64'));
  if (entry.startsWith('$')) return false;
  return safeEqual(entry, password);
}

export class HtpasswdAuthenticator implements Authenticator {
  private readonly path: string;
  private readonly realm: string;
  private users = new Map<string, string>();
  private mtimeMs = -1;
  /** Successful checks, so bcrypt's deliberate cost is paid once per credential (key: sha256 of the header). */
  private readonly verified = new Map<string, string>();

  constructor(path: string, o: { realm?: string } = {}) {
    this.path = path;
    this.realm = o.realm ?? 'berth-registry';
  }

  async load(): Promise<void> {
    const st = await stat(this.path);
    if (st.mtimeMs === this.mtimeMs) return;
    this.users = parseHtpasswd(await readFile(this.path, 'utf8'));
    this.mtimeMs = st.mtimeMs;
    this.verified.clear();
  }

  /** The user whose Basic credentials these are, when the password checks out. */
  async user(authorization: string | undefined): Promise<string | undefined> {
    const m = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
    if (!m) return undefined;
    await this.load();
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    const user = decoded.slice(0, i);
    const entry = this.users.get(user);
    if (entry === undefined) return undefined;
    const key = createHash('sha256').update(decoded).digest('hex');
    if (this.verified.get(key) === entry) return user;
    if (!(await verifyHtpasswdEntry(entry, decoded.slice(i + 1)))) return undefined;
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(key, entry);
    return user;
  }

  /** Basic auth grants everything to every known user. */
  async authenticate(authorization: string | undefined): Promise<boolean> {
    return (await this.user(authorization)) !== undefined;
  }

  challenge(): string {
    return `Basic realm="${this.realm.replace(/["\\]/g, '')}"`;
  }
}
