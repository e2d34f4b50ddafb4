/** Engine API routes for /images (moby daemon/server/router/image). */
import { parseReference } from '../../../oci/index.ts';
import { boolParam, filtersParam, openJsonStream, rejectUnknownFilters, sendEmpty, sendJson, versionLess } from '../../http.ts';
import { route, type Ctx, type Route } from '../../router.ts';
import type { ImagesBackend } from './backend.ts';

const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

export function imageRoutes(b: ImagesBackend): Route[] {
  const name = (ctx: Ctx) => ctx.params.name;
  return [
    route('GET', '/images/json', async (ctx) => {
      const q = ctx.query;
      sendJson(ctx, 200, await b.list({ all: boolParam(q, 'all'), filters: filtersParam(q), digests: boolParam(q, 'digests') }));
    }),
    route('POST', '/images/create', async (ctx) => {
      const q = ctx.query;
      const fromImage = q.get('fromImage');
      if (fromImage) return pullUnavailable(ctx, fromImage);
      const src = q.get('fromSrc') ?? '';
      const platform = versionLess(ctx.version, '1.32') ? undefined : q.get('platform') || undefined;
      // As dockerd: errors before any output become HTTP errors; the stream opens only with the result.
      const { id } = await b.importImage(ctx.req, {
        repo: q.get('repo') || undefined,
        tag: q.get('tag') || undefined,
        message: q.get('message') || `Imported from ${src}`,
        changes: q.getAll('changes'),
        platform,
        signal: ctx.signal,
      });
      const out = openJsonStream(ctx);
      out.write({ status: id });
      out.end();
    }),
    route('POST', '/images/prune', async (ctx) => {
      const filters = filtersParam(ctx.query);
      rejectUnknownFilters(filters, PRUNE_FILTERS);
      sendJson(ctx, 200, await b.prune({ filters }));
    }),
    route('GET', '/images/:name*/json', async (ctx) => sendJson(ctx, 200, await b.inspect(name(ctx)))),
    route('GET', '/images/:name*/history', async (ctx) => sendJson(ctx, 200, await b.history(name(ctx)))),
    route('POST', '/images/:name*/tag', async (ctx) => {
      await b.tag(name(ctx), ctx.query.get('repo') ?? '', ctx.query.get('tag') || undefined);
      sendEmpty(ctx, 201);
    }),
    route('DELETE', '/images/:name*', async (ctx) => {
      const q = ctx.query;
      sendJson(ctx, 200, await b.remove(name(ctx), { force: boolParam(q, 'force'), noprune: boolParam(q, 'noprune') }));
    }),
  ];
}

/** Pulling is not implemented yet: answer as dockerd does when the registry cannot be reached. */
function pullUnavailable(ctx: Ctx, fromImage: string): void {
  const ref = parseReference(fromImage.replace(/:$/, '')); // invalid names are a 400, before the stream
  const host = ref.domain === 'docker.io' ? 'registry-1.docker.io' : ref.domain;
  const message = `Get "https://${host}/v2/": dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`;
  const out = openJsonStream(ctx);
  out.write({ errorDetail: { message }, error: message });
  out.end();
}
