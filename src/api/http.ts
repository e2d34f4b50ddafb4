/** Small request/response helpers shared by every router: JSON bodies, query parsing, streams, hijacking. */
import type { Duplex } from 'node:stream';
import { invalidArgument, jsonLine } from '../lib/index.ts';
import type { Ctx } from './router.ts';

export function sendJson(ctx: Ctx, status: number, value: unknown): void {
  const body = JSON.stringify(value) + '\n';
  ctx.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}

export function sendEmpty(ctx: Ctx, status = 204): void {
  ctx.res.writeHead(status);
  ctx.res.end();
}

export async function readBody(ctx: Ctx): Promise<Buffer> {
  if (ctx.upgrade) return ctx.upgrade.body;
  const chunks: Buffer[] = [];
  for await (const c of ctx.req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a JSON body; an empty body gives `undefined`. Malformed JSON is a 400 as in dockerd. */
export async function readJson<T>(ctx: Ctx): Promise<T | undefined> {
  const raw = (await readBody(ctx)).toString('utf8');
  if (!raw.trim()) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
  }
}

/** Docker's httputils.BoolValue: "", "0", "no", "false", "none" are false. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = (q.get(name) ?? '').trim().toLowerCase();
  return !(v === '' || v === '0' || v === 'no' || v === 'false' || v === 'none');
}

export function intParam(q: URLSearchParams, name: string, fallback?: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalidArgument(`invalid value for ${name}: ${v}`);
  return n;
}

/** Docker's `filters` query parameter: {"label":{"a=b":true}} or the legacy {"label":["a=b"]}. */
export function filtersParam(q: URLSearchParams, name = 'filters'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = q.get(name);
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid filter: '${raw}'`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidArgument(`invalid filter: '${raw}'`);
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) out.set(k, v.map(String));
    else if (v && typeof v === 'object') out.set(k, Object.entries(v).filter(([, on]) => on).map(([x]) => x));
    else throw invalidArgument(`invalid filter: '${raw}'`);
  }
  return out;
}

export function rejectUnknownFilters(filters: Map<string, string[]>, allowed: readonly string[]): void {
  for (const k of filters.keys()) if (!allowed.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
}

/** A newline-delimited JSON stream with headers flushed at once (pull/import/events/stats). */
export interface JsonStream {
  write(value: unknown): void;
  end(): void;
}

export function openJsonStream(ctx: Ctx, status = 200): JsonStream {
  ctx.res.writeHead(status, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  return {
    write: (value) => {
      if (!ctx.res.writableEnded) ctx.res.write(jsonLine(value));
    },
    end: () => {
      if (!ctx.res.writableEnded) ctx.res.end();
    },
  };
}

/**
 * Takes over the connection for attach / exec start. With `Upgrade: tcp` the CLI requires `101 UPGRADED`;
 * older clients without the upgrade header get a 200 and a raw stream on the same socket.
 */
export function hijack(ctx: Ctx, o: { tty: boolean }): Duplex {
  const contentType = o.tty || versionLess(ctx.version, '1.42')
    ? 'application/vnd.docker.raw-stream'
    : 'application/vnd.docker.multiplexed-stream';
  if (ctx.upgrade) {
    const { socket, head } = ctx.upgrade;
    socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    if (head.length) socket.unshift(head);
    return socket;
  }
  const socket = ctx.req.socket;
  ctx.res.detachSocket(socket);
  socket.write(`HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n\r\n`);
  return socket;
}

export function versionLess(a: string, b: string): boolean {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 < b1 || (a1 === b1 && a2 < b2);
}
