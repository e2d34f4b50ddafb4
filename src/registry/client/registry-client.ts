/**
 * A distribution (OCI distribution-spec v1.1) client for one registry: manifests, blobs, uploads, cross-repository
 * mounts, with the Authorizer answering challenges. Uses Node's built-in fetch (undici). Every method takes a signal.
 *
 * Errors: registry error bodies become EngineErrors of the matching kind (404 codes → not-found, 401 →
 * unauthorized, 403 → forbidden, others invalid-argument/unavailable) whose message is the registry's text.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { forbidden, invalidArgument, notFound, unauthorized, unavailable, type EngineError } from '../../lib/errdefs.ts';
import { isDigest, type Digest } from '../../oci/index.ts';
import { Header, MANIFEST_ACCEPT, parseErrorBody } from '../protocol/index.ts';
import { Authorizer, type AuthConfig } from './auth.ts';
import { readCertsDir } from './certs-dir.ts';
import { tlsFetch } from './tls-fetch.ts';

export interface Endpoint {
  /** `https://registry-1.docker.io` or `http://127.0.0.1:5000` (a mirror may carry a path prefix). */
  url: string;
}

export interface Op { signal?: AbortSignal }

export interface FetchedManifest { bytes: Buffer; mediaType: string; digest: Digest }

export interface BlobBody { stream: Readable; size: number }

const USER_AGENT = 'berth/0.1 (registry client)';
/** Uploads larger than this go in PATCH chunks; smaller ones in one monolithic PUT. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;

/** Loopback registries use plain HTTP, as Docker treats 127.0.0.0/8 and ::1 as insecure. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/**
 * Endpoint and transport for a registry domain: with a certs.d directory for the host, verified HTTPS trusting
 * its CAs and presenting its client certificate (certs-dir.ts); otherwise endpointFor's choice and `fetch`.
 */
export function registryConnection(domain: string, o: { insecure?: (host: string) => boolean; certsDir?: string; fetch?: typeof fetch } = {}): { endpoint: Endpoint; fetch?: typeof fetch } {
  const endpoint = endpointFor(domain, o);
  const host = new URL(endpoint.url).host;
  const tls = readCertsDir(o.certsDir, host);
  if (!tls) return { endpoint, fetch: o.fetch };
  return { endpoint: { url: `https://${host}` }, fetch: tlsFetch(tls) };
}

/** The endpoint of a reference's registry domain (docker.io → registry-1.docker.io). */
export function endpointFor(domain: string, o: { insecure?: (host: string) => boolean } = {}): Endpoint {
  const host = domain === 'docker.io' || domain === 'index.docker.io' ? 'registry-1.docker.io' : domain;
  const plain = isLoopbackHost(host) || (o.insecure?.(host) ?? false);
  return { url: `${plain ? 'http' : 'https'}://${host}` };
}

/** Go's wording for TLS failures (what dockerd prints), from Node's OpenSSL error codes. */
function tlsErrorText(code: string | undefined): string | undefined {
  if (!code) return undefined;
  if (['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT'].includes(code)) {
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  }
  if (code === 'CERT_HAS_EXPIRED') return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'tls: failed to verify certificate: x509: certificate is not valid for this host';
  if (/ALERT_CERTIFICATE_REQUIRED$/.test(code)) return 'remote error: tls: certificate required';
  if (/ALERT_BAD_CERTIFICATE$/.test(code)) return 'remote error: tls: bad certificate';
  if (/ALERT_UNKNOWN_CA$/.test(code)) return 'remote error: tls: unknown certificate authority';
  return undefined;
}

function kindError(status: number, message: string): EngineError {
  if (status === 404) return notFound(message);
  if (status === 401) return unauthorized(message);
  if (status === 403) return forbidden(message);
  if (status >= 500 || status === 429) return unavailable(message);
  return invalidArgument(message);
}

async function responseError(res: Response, what: string): Promise<EngineError> {
  const text = await res.text().catch(() => '');
  const entries = parseErrorBody(text);
  if (entries?.length) {
    const e = entries[0];
    const msg = `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message}`;
    return kindError(res.status, e.code === 'UNAUTHORIZED' || e.code === 'DENIED' ? `${e.code === 'DENIED' ? 'denied' : 'unauthorized'}: ${e.message}` : msg);
  }
  return kindError(res.status, `${what}: ${res.status} ${res.statusText}`);
}

export class RegistryClient {
  readonly endpoint: Endpoint;
  private readonly authorizer: Authorizer;
  private readonly fetchFn: typeof fetch;

  constructor(endpoint: Endpoint, o: { auth?: AuthConfig; fetch?: typeof fetch } = {}) {
    this.endpoint = { url: endpoint.url.replace(/\/+$/, '') };
    this.fetchFn = o.fetch ?? fetch;
    this.authorizer = new Authorizer({ auth: o.auth, fetch: this.fetchFn });
  }

  /** One request with the auth dance: anonymous (or cached auth) first, then once more after a challenge. */
  private async request(method: string, path: string, o: Op & {
    scope?: string; headers?: Record<string, string>; body?: Buffer | URLSearchParams | AsyncIterable<Uint8Array>; redirect?: 'follow' | 'manual'; absolute?: boolean;
  } = {}): Promise<Response> {
    const url = o.absolute ? path : `${this.endpoint.url}${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...o.headers };
      const auth = await this.authorizer.header(o.scope, { signal: o.signal });
      if (auth) headers.Authorization = auth;
      const body = o.body;
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method, headers, body, signal: o.signal, redirect: o.redirect ?? 'follow',
          // A streamed body (an async iterable) needs half-duplex; it cannot be replayed after a challenge.
          ...(body && !Buffer.isBuffer(body) && !(body instanceof URLSearchParams) ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (err) {
        if (o.signal?.aborted) throw err;
        const cause = (err as { cause?: { message?: string; code?: string } }).cause;
        throw unavailable(`${method} "${url}": ${tlsErrorText(cause?.code) ?? cause?.message ?? (err as Error).message}`, { cause: err });
      }
      if (res.status === 401 && attempt < 2 && this.authorizer.onUnauthorized(res.headers.get(Header.wwwAuthenticate), attempt > 0)) {
        await res.body?.cancel();
        continue;
      }
      return res;
    }
  }

  /** GET /v2/: checks the registry speaks v2 and the credentials work (login). */
  async ping(o: Op = {}): Promise<void> {
    const res = await this.request('GET', '/v2/', o);
    await res.body?.cancel();
    if (res.status === 401) throw unauthorized('unauthorized: incorrect username or password');
    if (!res.ok) throw kindError(res.status, `GET ${this.endpoint.url}/v2/: ${res.status} ${res.statusText}`);
  }

  async getManifest(repo: string, ref: string, o: Op = {}): Promise<FetchedManifest> {
    const res = await this.request('GET', `/v2/${repo}/manifests/${ref}`, { ...o, scope: `repository:${repo}:pull`, headers: { Accept: MANIFEST_ACCEPT } });
    if (!res.ok) {
      const err = await responseError(res, `manifest ${repo}:${ref}`);
      if (res.status === 404) throw notFound(`manifest for ${ref} not found: ${err.message}`);
      throw err;
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
    if (isDigest(ref) && ref !== digest) throw invalidArgument(`manifest verification failed for digest ${ref}`);
    const header = res.headers.get(Header.contentDigest);
    if (header && isDigest(header) && header !== digest && !isDigest(ref)) throw invalidArgument(`manifest digest mismatch: registry says ${header}, content is ${digest}`);
    let mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    try {
      const mt = (JSON.parse(bytes.toString()) as { mediaType?: string }).mediaType;
      if (mt) mediaType = mt;
    } catch {
      throw invalidArgument(`manifest ${repo}:${ref} is not JSON`);
    }
    return { bytes, mediaType, digest };
  }

  /** HEAD a manifest: its digest, or undefined when absent. */
  async headManifest(repo: string, ref: string, o: Op = {}): Promise<Digest | undefined> {
    const res = await this.request('HEAD', `/v2/${repo}/manifests/${ref}`, { ...o, scope: `repository:${repo}:pull`, headers: { Accept: MANIFEST_ACCEPT } });
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    if (!res.ok) throw kindError(res.status, `HEAD manifest ${repo}:${ref}: ${res.status}`);
    return (res.headers.get(Header.contentDigest) ?? undefined) as Digest | undefined;
  }

  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string, o: Op = {}): Promise<Digest> {
    const res = await this.request('PUT', `/v2/${repo}/manifests/${ref}`, {
      ...o, scope: `repository:${repo}:pull,push`, headers: { 'Content-Type': mediaType }, body: bytes,
    });
    if (!res.ok) throw await responseError(res, `PUT manifest ${repo}:${ref}`);
    await res.body?.cancel();
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  }

  /** GET a blob (redirects followed). The caller verifies the digest as it stores the bytes. */
  async getBlob(repo: string, digest: Digest, o: Op = {}): Promise<BlobBody> {
    const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, { ...o, scope: `repository:${repo}:pull` });
    if (!res.ok || !res.body) throw await responseError(res, `blob ${digest}`);
    const size = Number(res.headers.get('content-length') ?? -1);
    return { stream: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), size };
  }

  /** Reads a small blob (a config) and checks its digest. */
  async readBlob(repo: string, digest: Digest, o: Op & { maxSize?: number } = {}): Promise<Buffer> {
    const { stream } = await this.getBlob(repo, digest, o);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of stream) {
      n += (c as Buffer).length;
      if (n > (o.maxSize ?? 32 * 1024 * 1024)) throw invalidArgument(`blob ${digest} too large`);
      chunks.push(c as Buffer);
    }
    const b = Buffer.concat(chunks);
    const actual = `sha256:${createHash('sha256').update(b).digest('hex')}`;
    if (actual !== digest) throw invalidArgument(`digest mismatch for ${digest}: got ${actual}`);
    return b;
  }

  async blobExists(repo: string, digest: Digest, o: Op = {}): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`, { ...o, scope: `repository:${repo}:pull,push` });
    await res.body?.cancel();
    if (res.status === 404) return false;
    // A HEAD answer has no error body: distribution's client words these statuses itself.
    if (res.status === 401) throw unauthorized('unauthorized: authentication required');
    if (res.status === 403) throw forbidden('denied: requested access to the resource is denied');
    if (!res.ok) throw kindError(res.status, `HEAD blob ${digest}: ${res.status}`);
    return true;
  }

  /** Cross-repository mount: true when the registry mounted it (201); false when it opened an upload instead. */
  async mountBlob(repo: string, digest: Digest, from: string, o: Op = {}): Promise<boolean> {
    const res = await this.request('POST', `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
      ...o, scope: `repository:${repo}:pull,push repository:${from}:pull`, redirect: 'manual',
    });
    await res.body?.cancel();
    if (res.status === 201) return true;
    if (res.status === 202) {
      const loc = res.headers.get('location');
      if (loc) await this.request('DELETE', new URL(loc, this.endpoint.url).toString(), { ...o, absolute: true, scope: `repository:${repo}:pull,push` }).then((r) => r.body?.cancel(), () => undefined);
      return false;
    }
    if (res.status === 401 || res.status === 403) return false;
    throw kindError(res.status, `mount ${digest}: ${res.status}`);
  }

  /**
   * Uploads a blob: POST to open, then either one PUT with the body (size ≤ chunkSize) or PATCH chunks with
   * Content-Range and a closing PUT ?digest=. `open` makes the source stream; `onProgress` gets bytes sent.
   */
  async uploadBlob(repo: string, desc: { digest: Digest; size: number }, open: () => Promise<Readable>, o: Op & {
    chunkSize?: number; onProgress?: (sent: number) => void;
  } = {}): Promise<void> {
    const scope = `repository:${repo}:pull,push`;
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`, { ...o, scope });
    if (start.status !== 202) throw await responseError(start, `start upload of ${desc.digest}`);
    await start.body?.cancel();
    let location = this.resolveLocation(start.headers.get('location'));
    const withDigest = (loc: string) => {
      const u = new URL(loc);
      u.searchParams.set('digest', desc.digest);
      return u.toString();
    };
    const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const src = await open();
    if (desc.size <= chunkSize) {
      const body = await collect(src, desc.size, o.onProgress);
      const res = await this.request('PUT', withDigest(location), {
        ...o, absolute: true, scope, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) }, body,
      });
      if (res.status !== 201) throw await responseError(res, `upload of ${desc.digest}`);
      await res.body?.cancel();
      return;
    }
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const flush = async () => {
      const body = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      const res = await this.request('PATCH', location, {
        ...o, absolute: true, scope, body,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + body.length - 1}`, 'Content-Length': String(body.length) },
      });
      if (res.status !== 202) throw await responseError(res, `upload chunk of ${desc.digest}`);
      await res.body?.cancel();
      location = this.resolveLocation(res.headers.get('location'));
      offset += body.length;
      o.onProgress?.(offset);
    };
    for await (const c of src) {
      o.signal?.throwIfAborted();
      pending.push(c as Buffer);
      pendingLen += (c as Buffer).length;
      if (pendingLen >= chunkSize) await flush();
    }
    if (pendingLen > 0) await flush();
    const res = await this.request('PUT', withDigest(location), { ...o, absolute: true, scope, headers: { 'Content-Length': '0' } });
    if (res.status !== 201) throw await responseError(res, `finish upload of ${desc.digest}`);
    await res.body?.cancel();
  }

  /**
   * Uploads a blob whose digest is not known up front (a layer compressed as it is sent): POST to open, one
   * streamed PATCH (chunked transfer, no Content-Range), then PUT ?digest= with the digest computed on the way.
   */
  async uploadStream(repo: string, src: AsyncIterable<Buffer>, o: Op = {}): Promise<{ digest: Digest; size: number }> {
    const scope = `repository:${repo}:pull,push`;
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`, { ...o, scope });
    if (start.status !== 202) throw await responseError(start, 'start upload');
    await start.body?.cancel();
    const hash = createHash('sha256');
    let size = 0;
    const body = (async function* () {
      for await (const c of src) {
        hash.update(c);
        size += c.length;
        yield c;
      }
    })();
    const patch = await this.request('PATCH', this.resolveLocation(start.headers.get('location')), {
      ...o, absolute: true, scope, headers: { 'Content-Type': 'application/octet-stream' }, body,
    });
    if (patch.status !== 202) throw await responseError(patch, 'upload');
    await patch.body?.cancel();
    const digest = `sha256:${hash.digest('hex')}` as Digest;
    const u = new URL(this.resolveLocation(patch.headers.get('location')));
    u.searchParams.set('digest', digest);
    const res = await this.request('PUT', u.toString(), { ...o, absolute: true, scope, headers: { 'Content-Length': '0' } });
    if (res.status !== 201) throw await responseError(res, `finish upload of ${digest}`);
    await res.body?.cancel();
    return { digest, size };
  }

  private resolveLocation(loc: string | null): string {
    if (!loc) throw invalidArgument('registry sent no upload Location');
    return new URL(loc, this.endpoint.url).toString();
  }
}

async function collect(src: Readable, size: number, onProgress?: (n: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of src) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
    onProgress?.(n);
  }
  if (n !== size) throw invalidArgument(`blob source gave ${n} bytes, expected ${size}`);
  return Buffer.concat(chunks, n);
}
