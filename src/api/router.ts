/**
 * The Engine API router: a flat table of routes per resource (moby style), matched by small regexes.
 *
 * Paths use `:param` for one segment and `:param*` for a greedy tail that may contain slashes (Docker's
 * `{name:.*}` for image names such as `127.0.0.1:5000/team/app:v1`). Every route is served both unversioned
 * and under `/v1.NN/`; the negotiated version lands in `ctx.version`.
 *
 * Handlers write the response themselves (sendJson, streams, hijack) and throw EngineError for failures;
 * the server maps errors to statuses in exactly one place (errors.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../lib/index.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Negotiated API version, e.g. "1.50". */
  version: string;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  log: Logger;
  /** Set for `Connection: Upgrade` requests (attach, exec start): the raw socket, the request body, and the
   *  bytes already read past the body (the start of the client's stream). */
  upgrade?: { socket: Duplex; head: Buffer; body: Buffer };
}

export type Handler = (ctx: Ctx) => Promise<void>;

export interface Route {
  method: Method;
  path: string;
  handler: Handler;
  /** Compiled path pattern. */
  pattern: RegExp;
  keys: string[];
}

export function route(method: Method, path: string, handler: Handler): Route {
  const keys: string[] = [];
  const source = path
    .split('/')
    .map((seg) => {
      const m = /^:(\w+)(\*)?$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(m[1]);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { method, path, handler, pattern: new RegExp(`^${source}$`), keys };
}

export interface Match { route: Route; params: Record<string, string> }

export class Router {
  private readonly routes: Route[] = [];

  add(routes: Route[]): void {
    this.routes.push(...routes);
  }

  /** Matches a path (already stripped of its version prefix); HEAD falls back to GET. */
  match(method: string, path: string): Match | undefined {
    const found = this.find(method, path) ?? (method === 'HEAD' ? this.find('GET', path) : undefined);
    return found;
  }

  /** True when some route has this path under another method (for 405 vs 404). */
  hasPath(path: string): boolean {
    return this.routes.some((r) => r.pattern.test(path));
  }

  private find(method: string, path: string): Match | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { route: r, params };
    }
    return undefined;
  }
}
