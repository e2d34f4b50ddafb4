/** Engine API routes for /networks. */
import { invalidArgument } from '../../../lib/index.ts';
import { boolParam, filtersParam, readJson, sendEmpty, sendJson } from '../../http.ts';
import { route, type Route } from '../../router.ts';
import type { EndpointSettings } from '../../types/index.ts';

export interface NetworksBackend {
  list(filters: Map<string, string[]>): unknown[];
  inspect(ref: string): unknown;
  create(req: Record<string, unknown> & { Name: string }): Promise<{ Id: string; Warning: string }>;
  remove(ref: string): Promise<void>;
  prune(filters: Map<string, string[]>): Promise<{ NetworksDeleted: string[] | null }>;
  connect(network: string, container: string, config: EndpointSettings): Promise<void>;
  disconnect(network: string, container: string, force: boolean): Promise<void>;
}

export function networkRoutes(b: NetworksBackend): Route[] {
  return [
    route('GET', '/networks', async (ctx) => sendJson(ctx, 200, b.list(filtersParam(ctx.query)))),
    route('POST', '/networks/create', async (ctx) => {
      const body = await readJson<Record<string, unknown> & { Name: string }>(ctx);
      if (!body) throw invalidArgument('network create: empty request body');
      sendJson(ctx, 201, await b.create(body));
    }),
    route('POST', '/networks/prune', async (ctx) => sendJson(ctx, 200, await b.prune(filtersParam(ctx.query)))),
    route('GET', '/networks/:id', async (ctx) => sendJson(ctx, 200, b.inspect(ctx.params.id))),
    route('DELETE', '/networks/:id', async (ctx) => {
      await b.remove(ctx.params.id);
      sendEmpty(ctx);
    }),
    route('POST', '/networks/:id/connect', async (ctx) => {
      const body = (await readJson<{ Container: string; EndpointConfig?: EndpointSettings }>(ctx)) ?? { Container: '' };
      if (!body.Container) throw invalidArgument('no container specified');
      await b.connect(ctx.params.id, body.Container, body.EndpointConfig ?? {});
      sendEmpty(ctx, 200);
    }),
    route('POST', '/networks/:id/disconnect', async (ctx) => {
      const body = (await readJson<{ Container: string; Force?: boolean }>(ctx)) ?? { Container: '' };
      if (!body.Container) throw invalidArgument('no container specified');
      await b.disconnect(ctx.params.id, body.Container, !!body.Force || boolParam(ctx.query, 'force'));
      sendEmpty(ctx, 200);
    }),
  ];
}
