/** A registry server on node:http or node:https, over a filesystem root. */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { isNotFound, rootLogger, type Logger } from '../../lib/index.ts';
import { FilesystemDriver } from './fs-driver.ts';
import { createRegistryHandler, type Authenticator, type RequestHandler } from './handler.ts';
import { TokenAuthenticator, TokenService } from './token-auth.ts';
import { layout } from './layout.ts';
import type { StorageDriver } from './storage-driver.ts';

export interface RegistryServerOptions {
  /** `host:port`; port 0 picks a free one. */
  addr: string;
  root: string;
  auth?: Authenticator;
  /**
   * Token authentication with a token endpoint at `/token` on this server: users are checked by `users`
   * (htpasswd), tokens signed with a key derived from the storage root's secret. Replaces `auth`.
   */
  token?: { users: (authorization: string | undefined) => Promise<string | undefined>; service?: string; issuer?: string; realm?: string };
  readOnly?: boolean;
  /** DELETE of manifests and blobs (default on). */
  deleteEnabled?: boolean;
  /** HTTPS; with `clientCa`, only clients presenting a certificate that CA signed get through the handshake. */
  tls?: { cert: Buffer | string; key: Buffer | string; clientCa?: Buffer | string };
  relativeUrls?: boolean;
  log?: Logger;
}

export interface RunningRegistry extends AsyncDisposable {
  /** `http://127.0.0.1:5000` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The HMAC key for upload-state tokens, created on first use so restarts can continue uploads. */
export async function loadOrCreateSecret(driver: StorageDriver): Promise<Uint8Array> {
  try {
    return await driver.getContent(layout.secret());
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const key = randomBytes(32);
  await driver.putContent(layout.secret(), key);
  return driver.getContent(layout.secret());
}

export function parseAddr(addr: string): { host: string; port: number } {
  const m = addr.match(/^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/);
  if (!m) throw new Error(`invalid address ${addr}: want HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

export async function startRegistryServer(o: RegistryServerOptions): Promise<RunningRegistry> {
  const log = o.log ?? rootLogger.child({ mod: 'registry' });
  const driver = new FilesystemDriver(o.root);
  const secret = await loadOrCreateSecret(driver);
  // The handler is made once the address is known: the token realm defaults to this server's own URL.
  let handler: RequestHandler = (_req, res) => res.writeHead(503).end();
  const serve: RequestHandler = (req, res) => handler(req, res);
  const server: Server = o.tls ? createHttpsServer({
    cert: o.tls.cert, key: o.tls.key,
    ...(o.tls.clientCa ? { ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  }, serve) : createHttpServer(serve);
  server.keepAliveTimeout = 30_000;
  const { host, port } = parseAddr(o.addr);
  server.listen(port, host);
  await once(server, 'listening');
  const a = server.address();
  const boundPort = typeof a === 'object' && a ? a.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${o.tls ? 'https' : 'http'}://${shownHost}:${boundPort}`;
  let auth = o.auth;
  let tokenService: { path: string; service: TokenService } | undefined;
  if (o.token) {
    const settings = {
      key: createHmac('sha256', secret).update('berth-registry token key').digest(),
      service: o.token.service ?? 'berth-registry', issuer: o.token.issuer ?? 'berth-registry', realm: o.token.realm ?? `${url}/token`,
    };
    auth = new TokenAuthenticator(settings);
    tokenService = { path: '/token', service: new TokenService(settings, o.token.users) };
  }
  handler = createRegistryHandler({ driver, secret, auth, tokenService, readOnly: o.readOnly, deleteEnabled: o.deleteEnabled, relativeUrls: o.relativeUrls, log });
  log.info('registry listening', { url, root: o.root, readOnly: !!o.readOnly, auth: o.token ? 'token' : o.auth ? 'basic' : 'none' });
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  };
  return { url, port: boundPort, close, [Symbol.asyncDispose]: close };
}
