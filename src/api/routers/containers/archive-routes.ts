/**
 * docker cp, docker export and docker diff: /containers/{id}/archive (HEAD stat, GET tar, PUT tar),
 * /containers/{id}/export and /containers/{id}/changes. The path stat travels base64-encoded in
 * X-Docker-Container-Path-Stat (ENGINE-API.md).
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../../../lib/index.ts';
import { boolParam, sendJson } from '../../http.ts';
import { route, type Ctx, type Route } from '../../router.ts';

type Op = { signal?: AbortSignal };

export interface ArchiveBackend {
  /** The base64 X-Docker-Container-Path-Stat value; not-found as `Could not find the file …`. */
  statPath(ref: string, path: string): Promise<string>;
  archivePath(ref: string, path: string, o: Op): Promise<{ header: string; tar: Readable }>;
  extractToDir(ref: string, path: string, body: Readable, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean } & Op): Promise<void>;
  exportContainer(ref: string, o: Op): Promise<Readable>;
  changes(ref: string, o: Op): Promise<{ Path: string; Kind: number }[] | null>;
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function pathParam(ctx: Ctx): string {
  const p = ctx.query.get('path');
  if (!p) throw invalidArgument('bad parameter: path cannot be empty');
  return p;
}

async function sendTar(ctx: Ctx, tar: Readable, headers: Record<string, string> = {}): Promise<void> {
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', ...headers });
  try {
    await pipeline(tar, ctx.res, { signal: ctx.signal });
  } catch (err) {
    tar.destroy();
    if (!ctx.res.headersSent || !ctx.signal.aborted) ctx.log.warn('tar stream ended early', { err });
    ctx.res.destroy();
  }
}

export function archiveRoutes(b: ArchiveBackend): Route[] {
  return [
    route('HEAD', '/containers/:id/archive', async (ctx) => {
      const header = await b.statPath(ctx.params.id, pathParam(ctx));
      ctx.res.writeHead(200, { [STAT_HEADER]: header, 'Content-Type': 'application/json' });
      ctx.res.end();
    }),
    route('GET', '/containers/:id/archive', async (ctx) => {
      const { header, tar } = await b.archivePath(ctx.params.id, pathParam(ctx), { signal: ctx.signal });
      await sendTar(ctx, tar, { [STAT_HEADER]: header });
    }),
    route('PUT', '/containers/:id/archive', async (ctx) => {
      const path = pathParam(ctx);
      await b.extractToDir(ctx.params.id, path, ctx.req, {
        noOverwriteDirNonDir: boolParam(ctx.query, 'noOverwriteDirNonDir'), copyUIDGID: boolParam(ctx.query, 'copyUIDGID'), signal: ctx.signal,
      });
      ctx.res.writeHead(200);
      ctx.res.end();
    }),
    route('GET', '/containers/:id/export', async (ctx) => {
      await sendTar(ctx, await b.exportContainer(ctx.params.id, { signal: ctx.signal }));
    }),
    route('GET', '/containers/:id/changes', async (ctx) => sendJson(ctx, 200, await b.changes(ctx.params.id, { signal: ctx.signal }))),
  ];
}
