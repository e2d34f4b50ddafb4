/** Engine API routes for /containers. */
import { invalidArgument, parseUnixTime } from '../../../lib/index.ts';
import { boolParam, filtersParam, hijack, intParam, openJsonStream, readJson, sendEmpty, sendJson } from '../../http.ts';
import { route, type Ctx, type Route } from '../../router.ts';
import type { CreateRequest, HostConfig, WaitCondition } from '../../types/index.ts';
import type { ContainersBackend } from './backend.ts';

export function containerRoutes(b: ContainersBackend): Route[] {
  const id = (ctx: Ctx) => ctx.params.id;
  const stopOpts = (ctx: Ctx) => ({ timeout: intParam(ctx.query, 't'), signal: ctx.query.get('signal') ?? undefined });
  return [
    route('GET', '/containers/json', async (ctx) => {
      const q = ctx.query;
      const limit = intParam(q, 'limit');
      const list = await b.list({ all: boolParam(q, 'all'), limit: limit && limit > 0 ? limit : undefined, size: boolParam(q, 'size'), filters: filtersParam(q) });
      sendJson(ctx, 200, list);
    }),
    route('POST', '/containers/create', async (ctx) => {
      const body = await readJson<CreateRequest>(ctx);
      if (!body) throw invalidArgument('Config cannot be empty in order to create a container');
      sendJson(ctx, 201, await b.create(body, { name: ctx.query.get('name') ?? undefined, signal: ctx.signal }));
    }),
    route('POST', '/containers/prune', async (ctx) => sendJson(ctx, 200, await b.prune(filtersParam(ctx.query)))),
    route('GET', '/containers/:id/json', async (ctx) => sendJson(ctx, 200, await b.inspect(id(ctx), { size: boolParam(ctx.query, 'size') }))),
    route('POST', '/containers/:id/start', async (ctx) => {
      await b.start(id(ctx), { signal: ctx.signal });
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/stop', async (ctx) => {
      await b.stop(id(ctx), stopOpts(ctx));
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/restart', async (ctx) => {
      await b.restart(id(ctx), stopOpts(ctx));
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/kill', async (ctx) => {
      await b.kill(id(ctx), ctx.query.get('signal') || undefined);
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/pause', async (ctx) => {
      await b.pause(id(ctx));
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/unpause', async (ctx) => {
      await b.unpause(id(ctx));
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/rename', async (ctx) => {
      await b.rename(id(ctx), ctx.query.get('name') ?? '');
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/update', async (ctx) => {
      sendJson(ctx, 200, await b.update(id(ctx), (await readJson<HostConfig>(ctx)) ?? {}));
    }),
    route('POST', '/containers/:id/resize', async (ctx) => {
      await b.resize(id(ctx), { height: intParam(ctx.query, 'h', 0)!, width: intParam(ctx.query, 'w', 0)! });
      sendEmpty(ctx, 200);
    }),
    route('DELETE', '/containers/:id', async (ctx) => {
      await b.remove(id(ctx), { force: boolParam(ctx.query, 'force'), volumes: boolParam(ctx.query, 'v') });
      sendEmpty(ctx);
    }),
    route('POST', '/containers/:id/wait', async (ctx) => {
      const condition = (ctx.query.get('condition') || 'not-running') as WaitCondition;
      if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidArgument(`invalid condition: "${condition}"`);
      b.exists(id(ctx));
      // The CLI waits for these headers before it starts the container: register, flush, answer at exit.
      const result = b.wait(id(ctx), condition, { signal: ctx.signal });
      ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
      ctx.res.flushHeaders();
      try {
        const r = await result;
        ctx.res.end(JSON.stringify(r) + '\n');
      } catch (err) {
        if (ctx.signal.aborted) return;
        ctx.res.end(JSON.stringify({ StatusCode: -1, Error: { Message: (err as Error).message } }) + '\n');
      }
    }),
    route('GET', '/containers/:id/stats', async (ctx) => {
      b.exists(id(ctx));
      // stream defaults to true; headers go out at once (docker stats waits on them).
      const stream = ctx.query.get('stream') === null ? true : boolParam(ctx.query, 'stream');
      const out = openJsonStream(ctx);
      await b.stats(id(ctx), (v) => out.write(v), { stream, oneShot: boolParam(ctx.query, 'one-shot'), signal: ctx.signal });
      out.end();
    }),
    route('GET', '/containers/:id/top', async (ctx) => sendJson(ctx, 200, await b.top(id(ctx), ctx.query.get('ps_args') || '-ef'))),
    route('GET', '/containers/:id/logs', async (ctx) => {
      const q = ctx.query;
      const stdout = boolParam(q, 'stdout');
      const stderr = boolParam(q, 'stderr');
      if (!stdout && !stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
      const { tty } = b.exists(id(ctx));
      const tailRaw = q.get('tail');
      const tail = !tailRaw || tailRaw === 'all' ? undefined : Number(tailRaw);
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw invalidArgument(`invalid value for "tail": "${tailRaw}"`);
      const since = q.get('since') ? parseUnixTime(q.get('since')!) : undefined;
      const until = q.get('until') ? parseUnixTime(q.get('until')!) : undefined;
      ctx.res.writeHead(200, {
        'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream',
      });
      ctx.res.flushHeaders();
      await b.logs(id(ctx), ctx.res, {
        stdout, stderr, follow: boolParam(q, 'follow'), tail, since: since || undefined, until: until || undefined,
        timestamps: boolParam(q, 'timestamps'), signal: ctx.signal,
      });
      ctx.res.end();
    }),
    route('POST', '/containers/:id/attach', async (ctx) => {
      const q = ctx.query;
      const { tty } = b.prepareAttach(id(ctx));
      const client = hijack(ctx, { tty });
      await b.attach(id(ctx), client, {
        stdin: boolParam(q, 'stdin'), stdout: boolParam(q, 'stdout'), stderr: boolParam(q, 'stderr'),
        stream: boolParam(q, 'stream'), logs: boolParam(q, 'logs'), detachKeys: q.get('detachKeys') ?? undefined,
      });
    }),
  ];
}
