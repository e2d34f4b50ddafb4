/**
 * Typed Engine API client on node:http (no undici: its import alone costs ~90 ms of CLI startup).
 * Negotiates the API version like the docker CLI (GET /_ping → API-Version, use the lower of the two), sends
 * JSON, turns `{"message"}` error bodies into ApiError with the status, and hijacks attach/exec connections.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { ApiError, ConnectionError, errorMessageFromBody } from './api-error.ts';
import type { DaemonAddress } from './host.ts';

export const CLIENT_API_VERSION = '1.50';
const FALLBACK_API_VERSION = '1.24';

export type QueryValue = string | number | boolean | undefined | null | readonly string[];
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  /** A plain value is sent as JSON; a Buffer/string as is; a Readable is streamed. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface PingResult {
  apiVersion?: string;
  osType?: string;
  experimental: boolean;
  builderVersion?: string;
}

export interface HijackedConnection {
  /** Raw duplex: end() half-closes (stdin EOF) while reading continues until the daemon closes. */
  socket: Socket;
  /** application/vnd.docker.raw-stream (TTY) or application/vnd.docker.multiplexed-stream */
  contentType: string;
}

/** Builds a query string as the Go client does: true → 1, false/undefined omitted, arrays repeated. */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === false) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, value === true ? '1' : String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Lower of two "major.minor" API versions. */
export function lowerVersion(a: string, b: string): string {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am < bm || (am === bm && an < bn) ? a : b;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ENOTSOCK', 'EHOSTUNREACH', 'ECONNRESET']);

export class EngineClient {
  readonly address: DaemonAddress;
  private readonly pinnedVersion: string | undefined;
  private negotiated: Promise<string> | undefined;
  private readonly agent: http.Agent;

  constructor(o: { address: DaemonAddress; apiVersion?: string }) {
    this.address = o.address;
    this.pinnedVersion = o.apiVersion;
    this.agent = new http.Agent({ keepAlive: true });
  }

  /** The API version used in request paths (negotiated once). */
  apiVersion(): Promise<string> {
    if (this.pinnedVersion) return Promise.resolve(this.pinnedVersion);
    this.negotiated ??= this.ping().then(
      (p) => (p.apiVersion ? lowerVersion(p.apiVersion, CLIENT_API_VERSION) : FALLBACK_API_VERSION),
    );
    return this.negotiated;
  }

  async ping(o: { signal?: AbortSignal } = {}): Promise<PingResult> {
    const res = await this.send('GET', '/_ping', { signal: o.signal });
    await drain(res);
    if (res.statusCode && res.statusCode >= 400 && !res.headers['api-version']) {
      throw new ApiError(res.statusCode, `ping failed: ${res.statusCode}`);
    }
    const h = res.headers;
    return {
      apiVersion: headerValue(h['api-version']),
      osType: headerValue(h['ostype']),
      experimental: headerValue(h['docker-experimental']) === 'true',
      builderVersion: headerValue(h['builder-version']),
    };
  }

  /** Versioned request; resolves with the response for 1xx-3xx, throws ApiError for ≥400. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<IncomingMessage> {
    const version = await this.apiVersion();
    const res = await this.send(method, `/v${version}${path}${encodeQuery(o.query)}`, o);
    if ((res.statusCode ?? 500) >= 400) {
      const body = await readText(res);
      throw new ApiError(res.statusCode ?? 500, errorMessageFromBody(body, res.statusCode ?? 500));
    }
    return res;
  }

  async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, o);
    const text = await readText(res);
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  /** For calls whose reply body does not matter (204s, 304s). */
  async call(method: string, path: string, o: RequestOptions = {}): Promise<number> {
    const res = await this.request(method, path, o);
    await drain(res);
    return res.statusCode ?? 0;
  }

  /** Upgrade to a raw duplex stream (attach, exec start): `Connection: Upgrade`, `Upgrade: tcp`, expects 101. */
  async hijack(method: string, path: string, o: RequestOptions = {}): Promise<HijackedConnection> {
    const version = await this.apiVersion();
    const fullPath = `/v${version}${path}${encodeQuery(o.query)}`;
    const headers = { ...o.headers, Connection: 'Upgrade', Upgrade: 'tcp' };
    return new Promise<HijackedConnection>((resolve, reject) => {
      const req = this.makeRequest(method, fullPath, { ...o, headers }, false);
      req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
        if (head.length) socket.unshift(head);
        resolve({ socket, contentType: headerValue(res.headers['content-type']) ?? '' });
      });
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        readText(res).then((body) => {
          if (status >= 400) reject(new ApiError(status, errorMessageFromBody(body, status)));
          else reject(new Error(`unable to upgrade to tcp, received ${status}`));
        }, reject);
      });
      req.on('error', (err) => reject(this.wrapConnectError(err)));
      writeBody(req, o.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, o: RequestOptions): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.makeRequest(method, path, o, true);
      req.on('response', resolve);
      req.on('error', (err) => reject(this.wrapConnectError(err)));
      writeBody(req, o.body);
    });
  }

  private makeRequest(method: string, path: string, o: RequestOptions, pooled: boolean): http.ClientRequest {
    const headers: Record<string, string> = { 'User-Agent': 'Berth-Client/0.1.0 (linux)', ...o.headers };
    const isJson = o.body !== undefined && !isRawBody(o.body);
    if (isJson) headers['Content-Type'] ??= 'application/json';
    const target =
      this.address.kind === 'unix'
        ? { socketPath: this.address.socketPath, host: 'api.moby.localhost' }
        : { host: this.address.hostname, port: this.address.port };
    return http.request({ ...target, method, path, headers, agent: pooled ? this.agent : false, signal: o.signal });
  }

  private wrapConnectError(err: unknown): unknown {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && CONNECT_ERRORS.has(code) && !(err as { reused?: boolean }).reused) {
      return new ConnectionError(this.address.url, err);
    }
    return err;
  }
}

function isRawBody(body: unknown): boolean {
  return typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array || body instanceof Readable;
}

function writeBody(req: http.ClientRequest, body: unknown): void {
  if (body === undefined) {
    req.end();
  } else if (body instanceof Readable) {
    body.pipe(req);
    body.on('error', (err) => req.destroy(err));
  } else if (typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array) {
    req.setHeader('Content-Length', Buffer.byteLength(body));
    req.end(body);
  } else {
    const data = JSON.stringify(body);
    req.setHeader('Content-Length', Buffer.byteLength(data));
    req.end(data);
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(res: IncomingMessage): Promise<void> {
  for await (const _ of res) {
    // discard
  }
}
