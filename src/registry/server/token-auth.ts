/**
 * Token authentication, the flow Docker Hub uses (distribution's docs/spec/auth/token.md): a request without a
 * valid bearer token gets 401 with `WWW-Authenticate: Bearer realm="<token endpoint>",service="<name>",
 * scope="repository:<name>:pull,push"`; the client asks the token endpoint (with Basic credentials, checked
 * against the htpasswd users) and retries with `Authorization: Bearer <JWT>`. Berth serves the endpoint itself
 * (`/token`) and signs tokens with HS256 under a key kept in the storage root; an external token service can
 * share that key. Tokens live five minutes and grant what was asked, to any user whose password checks out.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../protocol/index.ts';

/** One grant of a token's `access` claim. */
export interface Access { type: 'repository' | 'registry'; name: string; actions: string[] }

/** What a request needs (distribution's app.go nameRequired/appendAccessRecords, simplified). */
export function requiredAccess(route: Route | undefined, method: string, url: URL): Access[] {
  if (!route || route.kind === 'base') return [];
  if (route.kind === 'catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const read = method === 'GET' || method === 'HEAD';
  const actions = read ? ['pull'] : method === 'DELETE' ? ['delete'] : ['pull', 'push'];
  const out: Access[] = [{ type: 'repository', name: route.name, actions }];
  const from = url.searchParams.get('from');
  if (route.kind === 'uploads' && url.searchParams.has('mount') && from) out.push({ type: 'repository', name: from, actions: ['pull'] });
  return out;
}

/** `repository:a:pull,push repository:b:pull`, the challenge's scope. */
export function scopeString(access: readonly Access[]): string {
  return access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`).join(' ');
}

/** Parses `scope` query values (each may hold several space-separated scopes). */
export function parseScopes(values: readonly string[]): Access[] {
  const out: Access[] = [];
  for (const scope of values.flatMap((v) => v.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last <= first) continue;
    const type = scope.slice(0, first);
    if (type !== 'repository' && type !== 'registry') continue;
    out.push({ type, name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) });
  }
  return out;
}

interface Claims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signToken(claims: Claims, key: Uint8Array): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** The claims of a well-signed HS256 token, else undefined. */
export function verifyToken(token: string, key: Uint8Array): Claims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, body, sig] = parts as [string, string, string];
  try {
    if ((JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string }).alg !== 'HS256') return undefined;
    const want = createHmac('sha256', key).update(`${head}.${body}`).digest();
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    return JSON.parse(Buffer.from(body, 'base64url').toString()) as Claims;
  } catch {
    return undefined;
  }
}

function covers(granted: readonly Access[], needed: Access): boolean {
  return needed.actions.every((action) => granted.some((g) => g.type === needed.type && g.name === needed.name
    && (g.actions.includes(action) || g.actions.includes('*'))));
}

export interface TokenSettings {
  /** HS256 key shared by the token endpoint and the registry. */
  key: Uint8Array;
  /** The `service` (token audience). */
  service: string;
  issuer: string;
  /** The token endpoint's URL, sent as the challenge's realm. */
  realm: string;
}

/** The registry side: accepts bearer tokens that grant what the request needs. */
export class TokenAuthenticator {
  private readonly s: TokenSettings;

  constructor(s: TokenSettings) {
    this.s = s;
  }

  async authenticate(authorization: string | undefined, access: readonly Access[]): Promise<boolean> {
    const m = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!m) return false;
    const c = verifyToken(m[1]!, this.s.key);
    const now = Math.floor(Date.now() / 1000);
    if (!c || c.iss !== this.s.issuer || c.aud !== this.s.service || c.exp <= now || c.nbf > now + 60) return false;
    return access.every((a) => covers(c.access ?? [], a));
  }

  challenge(access: readonly Access[]): string {
    const scope = scopeString(access);
    return `Bearer realm="${this.s.realm}",service="${this.s.service}"${scope ? `,scope="${scope}"` : ''}`;
  }
}

/** The token endpoint: `GET <realm>?service=&scope=` with Basic credentials. */
export class TokenService {
  private readonly s: TokenSettings;
  private readonly checkUser: (authorization: string | undefined) => Promise<string | undefined>;
  private readonly ttlSeconds: number;

  constructor(s: TokenSettings, checkUser: (authorization: string | undefined) => Promise<string | undefined>, o: { ttlSeconds?: number } = {}) {
    this.s = s;
    this.checkUser = checkUser;
    this.ttlSeconds = o.ttlSeconds ?? 300;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const send = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }).end(JSON.stringify(body));
    };
    const user = await this.checkUser(req.headers.authorization);
    if (!user) {
      send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }, { 'WWW-Authenticate': `Basic realm="${this.s.service}"` });
      return;
    }
    const service = url.searchParams.get('service');
    if (service && service !== this.s.service) {
      send(400, { errors: [{ code: 'DENIED', message: `unknown service ${JSON.stringify(service)}`, detail: null }] });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = parseScopes(url.searchParams.getAll('scope'));
    const token = signToken({
      iss: this.s.issuer, sub: user, aud: this.s.service, exp: now + this.ttlSeconds, nbf: now - 10, iat: now,
      jti: randomBytes(12).toString('hex'), access,
    }, this.s.key);
    send(200, { token, access_token: token, expires_in: this.ttlSeconds, issued_at: new Date(now * 1000).toISOString() });
  }
}
