/**
 * Registry authentication as Docker's client does it (distribution registry/client/auth): anonymous first; on a
 * 401 the WWW-Authenticate challenge says Basic (send the credentials) or Bearer (fetch a token from `realm` for
 * `service` and `scope`, with the credentials as basic auth when present, then send `Bearer <token>`).
 * Tokens are cached per scope until they expire. Credentials never appear in errors or logs.
 */
import { unauthorized } from '../../lib/errdefs.ts';

/** Docker's AuthConfig, as the CLI sends it in X-Registry-Auth (base64url JSON) or POST /auth. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64("user:password"), as config.json stores it. */
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (several challenges may be comma-joined). */
export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  const re = /([A-Za-z][A-Za-z0-9_-]*)(?:\s+|$)((?:[A-Za-z0-9_-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?\s*)*)/g;
  for (const m of header.matchAll(re)) {
    const params: Record<string, string> = {};
    for (const p of m[2].matchAll(/([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
      params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    }
    out.push({ scheme: m[1].toLowerCase(), params });
  }
  return out;
}

/** username/password from an AuthConfig (the `auth` field wins when the pair is absent). */
export function credentials(a: AuthConfig | undefined): { username: string; password: string } | undefined {
  if (!a) return undefined;
  if (a.username || a.password) return { username: a.username ?? '', password: a.password ?? '' };
  if (a.auth) {
    const s = Buffer.from(a.auth, 'base64').toString();
    const i = s.indexOf(':');
    if (i > 0) return { username: s.slice(0, i), password: s.slice(i + 1) };
  }
  return undefined;
}

export function basicHeader(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

interface CachedToken { token: string; expires: number }

/** Builds Authorization headers for one registry host from its challenges; caches bearer tokens per scope. */
export class Authorizer {
  private readonly auth?: AuthConfig;
  private readonly fetchFn: typeof fetch;
  private challenge?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(o: { auth?: AuthConfig; fetch?: typeof fetch }) {
    this.auth = o.auth;
    this.fetchFn = o.fetch ?? fetch;
  }

  /** The header for a request needing `scope` (undefined before any challenge: try anonymously first). */
  async header(scope: string | undefined, o: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      const cred = credentials(this.auth);
      return cred ? basicHeader(cred) : undefined;
    }
    if (c.scheme !== 'bearer') return undefined;
    if (this.auth?.registrytoken) return `Bearer ${this.auth.registrytoken}`;
    const key = scope ?? '';
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    const t = await this.fetchToken(c, scope, o);
    this.tokens.set(key, t);
    return `Bearer ${t.token}`;
  }

  /** Records a 401's challenge. Returns false when retrying cannot help (same scheme, already tried). */
  onUnauthorized(header: string | null, tried: boolean): boolean {
    const cs = parseChallenges(header);
    const c = cs.find((x) => x.scheme === 'bearer') ?? cs.find((x) => x.scheme === 'basic');
    if (!c) return false;
    const same = this.challenge && this.challenge.scheme === c.scheme;
    this.challenge = c;
    if (c.scheme === 'bearer') this.tokens.clear();
    return !(same && tried);
  }

  private async fetchToken(c: Challenge, scope: string | undefined, o: { signal?: AbortSignal }): Promise<CachedToken> {
    const realm = c.params.realm;
    if (!realm) throw unauthorized('bearer challenge without realm');
    const url = new URL(realm);
    if (c.params.service) url.searchParams.set('service', c.params.service);
    const scopes = scope ?? c.params.scope;
    if (scopes) for (const s of scopes.split(' ')) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    const cred = credentials(this.auth);
    if (cred) {
      headers.Authorization = basicHeader(cred);
      url.searchParams.set('account', cred.username);
    }
    let res: Response;
    if (this.auth?.identitytoken) {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.auth.identitytoken, client_id: 'docker', service: c.params.service ?? '' });
      if (scopes) body.set('scope', scopes);
      res = await this.fetchFn(realm, { method: 'POST', body, signal: o.signal });
    } else {
      res = await this.fetchFn(url, { headers, signal: o.signal });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw unauthorized('unauthorized: incorrect username or password');
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw unauthorized(`token server ${url.host} answered ${res.status}`);
    }
    const v = (await res.json()) as { token?: string; access_token?: string; expires_in?: number };
    const token = v.token ?? v.access_token;
    if (!token) throw unauthorized('token server returned no token');
    return { token, expires: Date.now() + Math.max(60, (v.expires_in ?? 60) - 10) * 1000 };
  }
}
