/**
 * The Engine API HTTP server: listeners, version negotiation, the error → status mapping, and dispatch to the
 * route table. Knows nothing of containers or images: routers bring their own backends.
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { chmod, rm } from 'node:fs/promises';
import { isEngineError, rootLogger, type Logger } from '../lib/index.ts';
import { httpStatus } from './errors.ts';
import { sendJson, versionLess } from './http.ts';
import { Router, type Ctx, type Route } from './router.ts';
import { API_VERSION, MIN_API_VERSION } from './version.ts';


export interface ApiServerOptions { routes: Route[]; log?: Logger }

/** TLS for TCP listeners, as dockerd's --tls/--tlsverify: with `ca`, clients must present a certificate it signed. */
export interface ApiTls { cert: Buffer; key: Buffer; ca?: Buffer }

export class ApiServer {
  readonly router = new Router();
  private readonly servers: Server[] = [];
  private readonly log: Logger;
  private readonly sockets = new Set<Duplex>();

  constructor(o: ApiServerOptions) {
    this.log = o.log ?? rootLogger;
    this.router.add(o.routes);
  }

  /** One server per listener, all sharing the route table. */
  private makeServer(tls?: ApiTls): Server {
    const base = { keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 };
    const server = tls
      ? createHttpsServer({ ...base, cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) })
      : createServer(base);
    server.on('request', (req, res) => void this.dispatch(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void (async () => {
        // An upgrade request's body (exec start's JSON) arrives with the raw bytes: split it off by length.
        const { body, rest } = await readUpgradeBody(socket, head, Number(req.headers['content-length'] ?? 0));
        const res = new ServerResponse(req);
        res.assignSocket(socket as import('node:net').Socket);
        await this.dispatch(req, res, { socket, head: rest, body });
      })();
    });
    server.on(tls ? 'secureConnection' : 'connection', (s: Duplex) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.servers.push(server);
    return server;
  }

  /**
   * Listens on `unix:///path` (mode 0660: the API socket is never world-accessible) or `tcp://host:port`
   * (TLS when given, as dockerd on 2376).
   */
  async listen(host: string, o: { tls?: ApiTls } = {}): Promise<void> {
    const u = new URL(host);
    if (u.protocol === 'unix:') {
      const path = u.pathname;
      await rm(path, { force: true });
      const server = this.makeServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
      await chmod(path, 0o660);
    } else if (u.protocol === 'tcp:') {
      const server = this.makeServer(o.tls);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(u.port || (o.tls ? 2376 : 2375)), u.hostname, () => resolve());
      });
    } else {
      throw new Error(`unsupported host ${host}`);
    }
  }

  async close(): Promise<void> {
    const closed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, upgrade?: { socket: Duplex; head: Buffer; body: Buffer }): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://berth');
    let path = url.pathname;
    let version = API_VERSION;
    const vm = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
    const abort = new AbortController();
    const onGone = () => abort.abort();
    if (upgrade) upgrade.socket.once('close', onGone);
    else res.once('close', () => { if (!res.writableFinished) onGone(); });
    const ctx: Ctx = { req, res, params: {}, query: url.searchParams, version, signal: abort.signal, log: this.log, upgrade };
    try {
      if (vm) {
        version = vm[1];
        path = vm[2];
        if (versionLess(API_VERSION, version)) {
          throw Object.assign(new Error(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`), { status: 400 });
        }
        if (versionLess(version, MIN_API_VERSION)) {
          throw Object.assign(new Error(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`), { status: 400 });
        }
        ctx.version = version;
      }
      const match = this.router.match(req.method ?? 'GET', path);
      if (!match) {
        const status = this.router.hasPath(path) ? 405 : 404;
        sendJson(ctx, status, { message: status === 404 ? 'page not found' : 'method not allowed' });
        return;
      }
      ctx.params = match.params;
      await match.route.handler(ctx);
    } catch (err) {
      this.fail(ctx, err);
    } finally {
      this.log.debug('api', { method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) });
    }
  }

  private fail(ctx: Ctx, err: unknown): void {
    const explicit = (err as { status?: number }).status;
    const status = explicit ?? httpStatus(err);
    const message = err instanceof Error ? err.message : String(err);
    if (status >= 500 || !(isEngineError(err) || explicit)) this.log.warn('request failed', { path: ctx.req.url, err: message, stack: (err as Error)?.stack });
    if (ctx.res.headersSent) {
      // Too late for a status: the stream was already open. Close it so the client sees the end.
      if (ctx.upgrade) ctx.upgrade.socket.destroy();
      else ctx.res.destroy();
      return;
    }
    if (status === 304) {
      ctx.res.writeHead(304);
      ctx.res.end();
      return;
    }
    if (ctx.signal.aborted) return;
    sendJson(ctx, status, { message });
  }
}

/** Reads `length` body bytes of an upgrade request from what Node already read (`head`) and then the socket. */
async function readUpgradeBody(socket: Duplex, head: Buffer, length: number): Promise<{ body: Buffer; rest: Buffer }> {
  let buf = head;
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (c: Buffer) => { cleanup(); socket.pause(); resolve(c); };
      const onEnd = () => { cleanup(); resolve(null); };
      const cleanup = () => { socket.off('data', onData); socket.off('end', onEnd); socket.off('close', onEnd); };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  return { body: buf.subarray(0, length), rest: buf.subarray(length) };
}
