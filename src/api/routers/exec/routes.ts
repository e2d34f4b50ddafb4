/** Engine API routes for exec: create under /containers, the rest under /exec. */
import { frame, invalidArgument, StdStream } from '../../../lib/index.ts';
import { hijack, intParam, readJson, sendEmpty, sendJson } from '../../http.ts';
import { route, type Route } from '../../router.ts';
import type { ExecConfig } from '../../types/index.ts';
import type { Duplex } from 'node:stream';

export interface ExecBackend {
  create(containerRef: string, config: ExecConfig | undefined): { Id: string };
  /** Validates before hijacking; returns whether the exec has a TTY. */
  prepareStart(id: string): { tty: boolean };
  start(id: string, o: { detach: boolean; tty?: boolean; client?: Duplex }): Promise<void>;
  resize(id: string, size: { height: number; width: number }): Promise<void>;
  inspect(id: string): unknown;
}

export function execRoutes(b: ExecBackend): Route[] {
  return [
    route('POST', '/containers/:id/exec', async (ctx) => {
      sendJson(ctx, 201, b.create(ctx.params.id, await readJson<ExecConfig>(ctx)));
    }),
    route('POST', '/exec/:id/start', async (ctx) => {
      const body = (await readJson<{ Detach?: boolean; Tty?: boolean }>(ctx)) ?? {};
      const { tty } = b.prepareStart(ctx.params.id);
      if (body.Detach) {
        await b.start(ctx.params.id, { detach: true, tty: body.Tty });
        sendJson(ctx, 200, {});
        return;
      }
      const raw = body.Tty ?? tty;
      const client = hijack(ctx, { tty: raw });
      await b.start(ctx.params.id, { detach: false, tty: body.Tty, client }).catch((err) => {
        // Headers are gone: report like dockerd, as text on the (framed, unless TTY) stdout stream.
        const text = Buffer.from(`${(err as Error).message}\r\n`);
        client.end(raw ? text : frame(StdStream.Stdout, text));
      });
    }),
    route('POST', '/exec/:id/resize', async (ctx) => {
      const h = intParam(ctx.query, 'h', 0)!;
      const w = intParam(ctx.query, 'w', 0)!;
      if (h < 0 || w < 0) throw invalidArgument('invalid resize size');
      await b.resize(ctx.params.id, { height: h, width: w });
      sendEmpty(ctx, 200);
    }),
    route('GET', '/exec/:id/json', async (ctx) => sendJson(ctx, 200, b.inspect(ctx.params.id))),
  ];
}
