/** Engine API routes for /images (moby daemon/server/router/image). */
import { parseReference } from '../../../oci/index.ts';
import { boolParam, filtersParam, openJsonStream, readJson, rejectUnknownFilters, sendEmpty, sendJson, versionLess } from '../../http.ts';
import { invalidArgument } from '../../../lib/index.ts';
import { route, type Ctx, type Route } from '../../router.ts';
import type { DistributionBackend, ImagesBackend, RegistryAuth } from './backend.ts';

const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

export function imageRoutes(b: ImagesBackend, d?: DistributionBackend): Route[] {
  const name = (ctx: Ctx) => ctx.params.name;
  return [
    route('GET', '/images/json', async (ctx) => {
      const q = ctx.query;
      sendJson(ctx, 200, await b.list({ all: boolParam(q, 'all'), filters: filtersParam(q), digests: boolParam(q, 'digests'), sharedSize: boolParam(q, 'shared-size') }));
    }),
    route('POST', '/images/create', async (ctx) => {
      const q = ctx.query;
      const fromImage = q.get('fromImage');
      if (fromImage) {
        if (!d) return pullUnavailable(ctx, fromImage);
        const platform = versionLess(ctx.version, '1.32') ? undefined : q.get('platform') || undefined;
        return streamed(ctx, (progress) => d.pull(fromImage, {
          tag: q.get('tag') || undefined, platform, auth: registryAuth(ctx), progress, signal: ctx.signal,
        }));
      }
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
    ...(d ? distributionRoutes(d) : []),
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

function distributionRoutes(d: DistributionBackend): Route[] {
  return [
    route('GET', '/images/get', async (ctx) => {
      const names = ctx.query.getAll('names').flatMap((n) => n.split(',')).filter(Boolean);
      if (!names.length) throw invalidArgument('no images given');
      const tar = await d.save(names, { signal: ctx.signal });
      ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      tar.on('error', (err) => ctx.res.destroy(err));
      tar.pipe(ctx.res);
      await new Promise<void>((resolve) => { ctx.res.on('close', resolve); });
    }),
    route('GET', '/images/:name*/get', async (ctx) => {
      const tar = await d.save([ctx.params.name], { signal: ctx.signal });
      ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      tar.on('error', (err) => ctx.res.destroy(err));
      tar.pipe(ctx.res);
      await new Promise<void>((resolve) => { ctx.res.on('close', resolve); });
    }),
    route('POST', '/images/load', async (ctx) => {
      const quiet = boolParam(ctx.query, 'quiet');
      return streamed(ctx, (progress) => d.load(ctx.req, { quiet, progress, signal: ctx.signal }));
    }),
    route('POST', '/images/:name*/push', async (ctx) => {
      const header = ctx.req.headers['x-registry-auth'];
      if (header === undefined) throw invalidArgument('missing X-Registry-Auth header');
      return streamed(ctx, (progress) => d.push(ctx.params.name, {
        tag: ctx.query.get('tag') || undefined, auth: registryAuth(ctx), progress, signal: ctx.signal,
      }));
    }),
    route('POST', '/auth', async (ctx) => {
      const body = (await readJson<RegistryAuth>(ctx)) ?? {};
      sendJson(ctx, 200, await d.login(body, { signal: ctx.signal }));
    }),
  ];
}

/** X-Registry-Auth: base64url (or std) JSON AuthConfig; `e30=` ("{}") or absent means anonymous. */
function registryAuth(ctx: Ctx): RegistryAuth | undefined {
  const h = ctx.req.headers['x-registry-auth'];
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  try {
    const a = JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as RegistryAuth;
    return a && typeof a === 'object' && (a.username || a.password || a.auth || a.identitytoken || a.registrytoken) ? a : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A JSON progress stream opened by the first message (moby's WriteFlusher): an error before any output is an
 * HTTP error with its status; after, it travels inside the 200 stream as errorDetail.
 */
async function streamed(ctx: Ctx, fn: (progress: (m: object) => void) => Promise<void>): Promise<void> {
  let out: ReturnType<typeof openJsonStream> | undefined;
  const progress = (m: object) => {
    out ??= openJsonStream(ctx);
    out.write(m);
  };
  try {
    await fn(progress);
  } catch (err) {
    if (!out) throw err;
    const message = (err as Error).message;
    out.write({ errorDetail: { message }, error: message });
  }
  (out ?? openJsonStream(ctx)).end();
}
