/** Engine API routes for the daemon itself: ping, version, info, events, plugins, df. */
import { parseUnixTime } from '../../../lib/index.ts';
import { boolParam, filtersParam, openJsonStream, sendJson } from '../../http.ts';
import { route, type Route } from '../../router.ts';
import { API_VERSION } from '../../version.ts';

export interface SystemBackend {
  readonly experimental: boolean;
  version(): Record<string, unknown>;
  info(): Promise<Record<string, unknown>>;
  /** Streams events (past ones since `since`, then live) until `until` or the signal; calls `send` for each. */
  events(o: { since?: number; until?: number; filters: Map<string, string[]>; signal: AbortSignal }, send: (e: unknown) => void): Promise<void>;
  df(): Promise<Record<string, unknown>>;
  /** `POST /build/prune`: the build cache (step images no tag names, RUN --mount caches). */
  pruneBuildCache(o: { all: boolean; filters: Map<string, string[]> }): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
  /** Berth's own `system check` (not a Docker endpoint). */
  check(o: { repair: boolean }): Promise<{ problems: string[]; repaired: string[] }>;
}

export function systemRoutes(b: SystemBackend): Route[] {
  const ping = route('GET', '/_ping', async (ctx) => {
    ctx.res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'API-Version': API_VERSION,
      'OSType': 'linux',
      'Docker-Experimental': String(b.experimental),
      'Builder-Version': '1',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      'Pragma': 'no-cache',
    });
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
  });
  return [
    ping,
    { ...ping, method: 'HEAD' },
    route('GET', '/version', async (ctx) => sendJson(ctx, 200, b.version())),
    route('GET', '/info', async (ctx) => sendJson(ctx, 200, await b.info())),
    route('GET', '/plugins', async (ctx) => sendJson(ctx, 200, [])),
    route('GET', '/system/df', async (ctx) => sendJson(ctx, 200, await b.df())),
    route('POST', '/berth/system/check', async (ctx) => sendJson(ctx, 200, await b.check({ repair: boolParam(ctx.query, 'repair') }))),
    route('POST', '/build/prune', async (ctx) => sendJson(ctx, 200, await b.pruneBuildCache({
      all: boolParam(ctx.query, 'all'), filters: filtersParam(ctx.query),
    }))),
    route('GET', '/events', async (ctx) => {
      const q = ctx.query;
      const since = q.get('since') ? parseUnixTime(q.get('since')!) : undefined;
      const until = q.get('until') ? parseUnixTime(q.get('until')!) : undefined;
      const filters = filtersParam(q);
      const stream = openJsonStream(ctx);
      await b.events({ since, until, filters, signal: ctx.signal }, (e) => stream.write(e));
      stream.end();
    }),
  ];
}
