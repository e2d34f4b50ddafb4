/**
 * The distribution HTTP API over the stores: one request handler for node:http/https. Handlers throw
 * RegistryError; `sendError` is the one place that turns an error into a status and the spec's error body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { rootLogger, type Logger } from '../../lib/index.ts';
import {
  API_VERSION, Header, ManifestMediaType, RegistryError, isRegistryError, isValidRepositoryName, parseRoute, paths, uploadRange,
  type Route,
} from '../protocol/index.ts';
import { BlobStore } from './blob-store.ts';
import { MAX_MANIFEST_BYTES, ManifestStore } from './manifest-store.ts';
import type { StorageDriver } from './storage-driver.ts';
import { isSupportedDigest } from './store-util.ts';
import { UploadStore } from './upload-store.ts';
import { UploadStateSigner, type UploadState } from './upload-state.ts';
import { requiredAccess, type Access, type TokenService } from './token-auth.ts';

/** Checks a request's credentials: Basic against htpasswd users, or bearer tokens (token-auth.ts). */
export interface Authenticator {
  /** True when the Authorization header grants `access` (what the request needs; [] for `/v2/`). */
  authenticate(authorization: string | undefined, access: readonly Access[]): Promise<boolean>;
  /** The WWW-Authenticate challenge sent with 401. */
  challenge(access: readonly Access[]): string;
}

export interface RegistryHandlerOptions {
  driver: StorageDriver;
  /** HMAC key for upload-state tokens; persist it (see layout.secret) so restarts can continue uploads. */
  secret: Uint8Array;
  auth?: Authenticator;
  /** A token endpoint served on this server (`path`, e.g. `/token`), for token authentication. */
  tokenService?: { path: string; service: TokenService };
  /** Refuse every write with 405 UNSUPPORTED (distribution's maintenance.readonly). */
  readOnly?: boolean;
  /** Allow DELETE of blobs and manifests (default true). */
  deleteEnabled?: boolean;
  /** Answer Location headers relative (`/v2/...`) rather than absolute (distribution's default). */
  relativeUrls?: boolean;
  log?: Logger;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** distribution's default page size of `_catalog` when no `n` is given. */
const DEFAULT_CATALOG_ENTRIES = 100;
const MAX_PAGE_ENTRIES = 1000;
const IMAGE_TYPES: ReadonlySet<string> = new Set([ManifestMediaType.ociManifest, ManifestMediaType.dockerManifest]);
const INDEX_TYPES: ReadonlySet<string> = new Set([ManifestMediaType.ociIndex, ManifestMediaType.dockerManifestList]);
const MANIFEST_TYPES: ReadonlySet<string> = new Set(Object.values(ManifestMediaType));

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  signal: AbortSignal;
  /** Absolute (or relative) URL of a path on this server. */
  loc: (path: string) => string;
}

export function createRegistryHandler(o: RegistryHandlerOptions): RequestHandler {
  const log = o.log ?? rootLogger.child({ mod: 'registry' });
  const blobs = new BlobStore(o.driver);
  const manifests = new ManifestStore(o.driver, blobs);
  const uploads = new UploadStore(o.driver, blobs, new UploadStateSigner(o.secret));
  const deleteEnabled = o.deleteEnabled !== false;

  const handle = async (c: Ctx): Promise<void> => {
    const { req, res } = c;
    res.setHeader(Header.apiVersion, API_VERSION);
    if (o.tokenService && c.url.pathname === o.tokenService.path && req.method === 'GET') return o.tokenService.service.handle(req, res, c.url);
    let pathname: string | undefined;
    try {
      pathname = decodeURIComponent(c.url.pathname);
    } catch {
      pathname = undefined;
    }
    const route = pathname === undefined ? undefined : parseRoute(pathname);
    if (o.auth) {
      const access = requiredAccess(route, req.method ?? 'GET', c.url);
      if (!(await o.auth.authenticate(req.headers.authorization, access))) {
        res.setHeader(Header.wwwAuthenticate, o.auth.challenge(access));
        throw new RegistryError('UNAUTHORIZED');
      }
    }
    if (!route) return notFound(res);
    if ('name' in route && !isValidRepositoryName(route.name)) throw new RegistryError('NAME_INVALID', { detail: { name: route.name } });
    const method = req.method ?? 'GET';
    const write = method !== 'GET' && method !== 'HEAD';
    if (write && o.readOnly) throw new RegistryError('UNSUPPORTED', { message: 'registry is in read-only mode' });
    if (method === 'DELETE' && !deleteEnabled) throw new RegistryError('UNSUPPORTED', { message: 'deletes are disabled' });
    await dispatch(c, route, method);
  };

  const dispatch = async (c: Ctx, r: Route, method: string): Promise<void> => {
    switch (r.kind) {
      case 'base':
        if (method === 'GET' || method === 'HEAD') return json(c, 200, {});
        break;
      case 'catalog':
        if (method === 'GET') return catalog(c);
        break;
      case 'tags':
        if (method === 'GET') return tagsList(c, r.name);
        break;
      case 'manifest':
        if (method === 'GET' || method === 'HEAD') return getManifest(c, r.name, r.reference, method === 'HEAD');
        if (method === 'PUT') return putManifest(c, r.name, r.reference);
        if (method === 'DELETE') {
          await manifests.delete(r.name, r.reference);
          return empty(c, 202);
        }
        break;
      case 'blob':
        if (method === 'GET' || method === 'HEAD') return getBlob(c, r.name, r.digest, method === 'HEAD');
        if (method === 'DELETE') {
          await blobs.unlink(r.name, r.digest);
          return empty(c, 202, { [Header.contentDigest]: r.digest });
        }
        break;
      case 'uploads':
        if (method === 'POST') return startUpload(c, r.name);
        break;
      case 'upload':
        if (method === 'GET') return uploadStatus(c, r.name, r.id);
        if (method === 'PATCH') return patchUpload(c, r.name, r.id);
        if (method === 'PUT') return putUpload(c, r.name, r.id);
        if (method === 'DELETE') {
          await uploads.cancel(r.name, r.id);
          return empty(c, 204);
        }
        break;
      case 'referrers':
        if (method === 'GET') return referrers(c, r.name, r.digest);
        break;
    }
    throw new RegistryError('UNSUPPORTED', { message: `method ${method} not allowed` });
  };

  // ---- blobs ----

  const getBlob = async (c: Ctx, name: string, digest: string, head: boolean): Promise<void> => {
    const size = await blobs.stat(name, digest, { signal: c.signal });
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream', [Header.contentDigest]: digest, ETag: `"${digest}"`,
      'Accept-Ranges': 'bytes', 'Cache-Control': 'max-age=31536000',
    };
    let offset = 0;
    let length = size;
    let status = 200;
    const range = c.req.headers.range;
    if (range && !head) {
      const r = parseByteRange(range, size);
      if (r === 'unsatisfiable') {
        c.res.setHeader('Content-Range', `bytes */${size}`);
        throw new RegistryError('RANGE_INVALID', { message: 'requested range not satisfiable', detail: { range, size } });
      }
      if (r) {
        ({ offset, length } = r);
        status = 206;
        headers['Content-Range'] = `bytes ${offset}-${offset + length - 1}/${size}`;
      }
    }
    headers['Content-Length'] = length;
    if (head) return empty(c, 200, headers, false);
    const body = await blobs.open(name, digest, { offset, length }, { signal: c.signal });
    c.res.writeHead(status, headers);
    await pipeline(body, c.res, { signal: c.signal });
  };

  // ---- uploads ----

  const uploadHeaders = (c: Ctx, s: UploadState): Record<string, string> => {
    const token = uploads.signer.sign(s);
    return {
      Location: c.loc(`${paths.upload(s.name, s.id)}?_state=${encodeURIComponent(token)}`),
      Range: uploadRange(s.offset),
      [Header.uploadUuid]: s.id,
    };
  };

  const created = (c: Ctx, name: string, digest: string): void =>
    empty(c, 201, { Location: c.loc(paths.blob(name, digest)), [Header.contentDigest]: digest });

  const startUpload = async (c: Ctx, name: string): Promise<void> => {
    const q = c.url.searchParams;
    const mount = q.get('mount');
    const from = q.get('from');
    if (mount && from && isValidRepositoryName(from) && isSupportedDigest(mount) && (await blobs.isLinked(from, mount))) {
      await blobs.link(name, mount);
      await drain(c.req);
      return created(c, name, mount);
    }
    const digest = q.get('digest');
    const s = await uploads.start(name, { signal: c.signal });
    if (digest !== null) {
      try {
        const got = await uploads.append(s, c.req, { signal: c.signal, length: contentLength(c.req) });
        await uploads.finish(got, digest);
      } catch (err) {
        await uploads.cancel(name, s.id).catch(() => undefined);
        throw err;
      }
      return created(c, name, digest);
    }
    await drain(c.req);
    return empty(c, 202, uploadHeaders(c, s));
  };

  const stateToken = (c: Ctx): string | undefined => c.url.searchParams.get('_state') ?? undefined;

  const uploadStatus = async (c: Ctx, name: string, id: string): Promise<void> => {
    const s = await uploads.resolve(name, id, stateToken(c), { allowStale: true });
    return empty(c, 204, uploadHeaders(c, s));
  };

  const withRangeHeaders = async <T>(c: Ctx, name: string, id: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (isRegistryError(err) && err.code === 'RANGE_INVALID') {
        const s = await uploads.resolve(name, id, undefined).catch(() => undefined);
        if (s) for (const [k, v] of Object.entries(uploadHeaders(c, s))) c.res.setHeader(k, v);
      }
      throw err;
    }
  };

  const patchUpload = async (c: Ctx, name: string, id: string): Promise<void> => {
    const s = await uploads.resolve(name, id, stateToken(c));
    const cr = parseContentRange(c.req.headers['content-range'], contentLength(c.req));
    const next = await withRangeHeaders(c, name, id, () => uploads.append(s, c.req, { signal: c.signal, start: cr?.start, length: contentLength(c.req) }));
    return empty(c, 202, uploadHeaders(c, next));
  };

  const putUpload = async (c: Ctx, name: string, id: string): Promise<void> => {
    let s = await uploads.resolve(name, id, stateToken(c));
    const digest = c.url.searchParams.get('digest');
    if (!digest) throw new RegistryError('DIGEST_INVALID', { message: 'digest missing' });
    const len = contentLength(c.req);
    if (len !== 0 && (len !== undefined || c.req.headers['transfer-encoding'])) {
      const cr = parseContentRange(c.req.headers['content-range'], len);
      s = await withRangeHeaders(c, name, id, () => uploads.append(s, c.req, { signal: c.signal, start: cr?.start, length: len }));
    } else {
      await drain(c.req);
    }
    await uploads.finish(s, digest);
    return created(c, name, digest);
  };

  // ---- manifests ----

  const getManifest = async (c: Ctx, name: string, reference: string, head: boolean): Promise<void> => {
    let m = await manifests.get(name, reference);
    const accept = acceptedTypes(c.req);
    if (accept && !accept.has(m.mediaType)) {
      // distribution: a manifest list asked for by tag by a client that takes no lists gets the default platform.
      const fallback = INDEX_TYPES.has(m.mediaType) && !reference.includes(':') ? defaultPlatformChild(m.body, accept) : undefined;
      if (!fallback) throw new RegistryError('MANIFEST_UNKNOWN', { message: `manifest of type ${m.mediaType} found, but the Accept header does not allow it`, detail: { mediaType: m.mediaType } });
      m = await manifests.getByDigest(await manifests.resolve(name, fallback));
    }
    const headers = { 'Content-Type': m.mediaType, 'Content-Length': m.body.byteLength, [Header.contentDigest]: m.digest, ETag: `"${m.digest}"` };
    if (head) return empty(c, 200, headers, false);
    c.res.writeHead(200, headers);
    c.res.end(m.body);
  };

  const putManifest = async (c: Ctx, name: string, reference: string): Promise<void> => {
    const body = await readBody(c.req, MAX_MANIFEST_BYTES);
    const { digest, subject } = await manifests.put(name, reference, body, c.req.headers['content-type']);
    const headers: Record<string, string> = { Location: c.loc(paths.manifest(name, digest)), [Header.contentDigest]: digest };
    if (subject) headers[Header.subject] = subject;
    return empty(c, 201, headers);
  };

  const referrers = async (c: Ctx, name: string, digest: string): Promise<void> => {
    if (!isSupportedDigest(digest)) throw new RegistryError('DIGEST_INVALID', { message: 'unsupported or malformed digest', detail: { digest } });
    const artifactType = c.url.searchParams.get('artifactType') ?? undefined;
    const list = await manifests.referrers(name, digest, artifactType);
    const headers: Record<string, string> = {};
    if (artifactType !== undefined) headers[Header.filtersApplied] = 'artifactType';
    return json(c, 200, { schemaVersion: 2, mediaType: ManifestMediaType.ociIndex, manifests: list }, { ...headers, 'Content-Type': ManifestMediaType.ociIndex });
  };

  // ---- listings ----

  const page = (c: Ctx, all: string[], defaultN: number | undefined): { items: string[]; link?: string } => {
    const q = c.url.searchParams;
    const nRaw = q.get('n');
    let n = defaultN;
    if (nRaw !== null && nRaw !== '') {
      if (!/^\d+$/.test(nRaw)) throw new RegistryError('PAGINATION_NUMBER_INVALID', { detail: { n: nRaw } });
      n = Math.min(Number(nRaw), MAX_PAGE_ENTRIES);
    }
    const last = q.get('last');
    let items = last ? all.filter((x) => x > last) : all;
    let link: string | undefined;
    if (n !== undefined && items.length > n) {
      items = items.slice(0, n);
      if (n > 0) link = `<${c.url.pathname}?${new URLSearchParams({ n: String(n), last: items[items.length - 1] }).toString()}>; rel="next"`;
    }
    return { items, link };
  };

  const catalog = async (c: Ctx): Promise<void> => {
    const { items, link } = page(c, await manifests.catalog(), DEFAULT_CATALOG_ENTRIES);
    return json(c, 200, { repositories: items }, link ? { Link: link } : {});
  };

  const tagsList = async (c: Ctx, name: string): Promise<void> => {
    const { items, link } = page(c, await manifests.tags(name), undefined);
    return json(c, 200, { name, tags: items }, link ? { Link: link } : {});
  };

  return (req, res) => {
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const host = req.headers.host ?? 'localhost';
    const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    const c: Ctx = {
      req, res, signal: ac.signal,
      url: new URL(req.url ?? '/', `${scheme}://${host}`),
      loc: o.relativeUrls ? (p) => p : (p) => `${scheme}://${host}${p}`,
    };
    handle(c).catch((err: unknown) => sendError(c, err, log));
  };
}

function sendError(c: Ctx, err: unknown, log: Logger): void {
  const { req, res } = c;
  const rerr = isRegistryError(err) ? err : new RegistryError('UNKNOWN', { message: (err as Error)?.message ?? String(err), cause: err });
  if (!isRegistryError(err)) {
    if (c.signal.aborted) return;
    log.warn('registry request failed', { method: req.method, url: req.url, err: err as Error });
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(rerr.toBody());
  res.setHeader(Header.apiVersion, API_VERSION);
  res.writeHead(rerr.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  // A request whose body we refused is not read; don't keep the connection around for it.
  if (!req.readableEnded) req.resume();
}

function notFound(res: ServerResponse): void {
  const body = '404 page not found\n';
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function json(c: Ctx, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  c.res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers, 'Content-Length': Buffer.byteLength(body) });
  c.res.end(c.req.method === 'HEAD' ? undefined : body);
}

function empty(c: Ctx, status: number, headers: Record<string, string | number> = {}, zeroLength = true): void {
  c.res.writeHead(status, zeroLength ? { ...headers, 'Content-Length': 0 } : headers);
  c.res.end();
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) { /* discard */ }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.byteLength;
    if (n > limit) throw new RegistryError('SIZE_INVALID', { message: 'manifest too large', detail: { limit } });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function contentLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** An upload's Content-Range (`<start>-<end>`, distribution also takes a `bytes ` prefix); 416 when malformed. */
function parseContentRange(v: string | undefined, length: number | undefined): { start: number; end: number } | undefined {
  if (v === undefined) return undefined;
  const m = v.trim().match(/^(?:bytes[ =])?(\d+)-(\d+)$/);
  if (!m) throw new RegistryError('RANGE_INVALID', { detail: { contentRange: v } });
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start || (length !== undefined && end - start + 1 !== length)) throw new RegistryError('RANGE_INVALID', { detail: { contentRange: v } });
  return { start, end };
}

/** A single `bytes=` range of a blob of `size` bytes; undefined to serve it whole (absent, multi-range, foreign unit). */
function parseByteRange(v: string, size: number): { offset: number; length: number } | 'unsatisfiable' | undefined {
  const m = v.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Math.min(Number(m[2]), size);
    if (suffix === 0) return 'unsatisfiable';
    return { offset: size - suffix, length: suffix };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { offset: start, length: end - start + 1 };
}

/** The manifest media types a request accepts; undefined when it names none (then anything is served). */
function acceptedTypes(req: IncomingMessage): Set<string> | undefined {
  const out = new Set<string>();
  for (const h of req.headersDistinct.accept ?? []) {
    for (const part of h.split(',')) {
      const t = part.split(';')[0].trim().toLowerCase();
      if (t === '*/*') return undefined;
      if (MANIFEST_TYPES.has(t)) out.add(t);
    }
  }
  return out.size > 0 ? out : undefined;
}

/** The linux/amd64 entry of an index whose media type the client accepts (distribution's fallback). */
function defaultPlatformChild(body: Uint8Array, accept: Set<string>): string | undefined {
  const idx = JSON.parse(Buffer.from(body).toString('utf8')) as { manifests?: { digest?: string; mediaType?: string; platform?: { os?: string; architecture?: string } }[] };
  for (const d of idx.manifests ?? []) {
    if (d.platform?.os === 'linux' && d.platform.architecture === 'amd64' && d.mediaType && IMAGE_TYPES.has(d.mediaType) && accept.has(d.mediaType) && d.digest) return d.digest;
  }
  return undefined;
}
