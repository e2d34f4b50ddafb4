/**
 * A `fetch` over node:https with a registry's own TLS settings (extra CAs, a client certificate), for the
 * RegistryClient: Node's built-in fetch cannot take per-host CAs without the undici package. It covers what the
 * client uses: Buffer, URLSearchParams and async-iterable (streamed) bodies, AbortSignal, redirects followed or
 * not. A redirect to another origin (blob storage) goes through the built-in fetch, so the client certificate
 * and Authorization are never sent elsewhere. Errors reject as fetch's do: TypeError('fetch failed', { cause }).
 */
import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Readable } from 'node:stream';
import type { RegistryTls } from './certs-dir.ts';

type Body = Buffer | URLSearchParams | AsyncIterable<Uint8Array> | string | null | undefined;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function plainHeaders(h: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(h).forEach((v, k) => { out[k] = v; });
  return out;
}

export function tlsFetch(tls: RegistryTls): typeof fetch {
  const agent = new Agent({
    keepAlive: true,
    ca: tls.ca.length ? [...rootCertificates, ...tls.ca.map((b) => b.toString())] : undefined,
    cert: tls.cert, key: tls.key,
  });
  const once = (url: URL, init: RequestInit): Promise<Response> => new Promise((resolve, reject) => {
    const headers = plainHeaders(init.headers);
    let body = init.body as Body;
    if (body instanceof URLSearchParams) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
      body = body.toString();
    }
    const req = request(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined) continue;
        for (const x of Array.isArray(v) ? v : [v]) h.append(k, x);
      }
      const status = res.statusCode ?? 0;
      const noBody = init.method === 'HEAD' || status === 204 || status === 304;
      if (noBody) res.resume();
      resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers: h }));
    });
    req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
    if (body === undefined || body === null || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body ?? undefined);
    else Readable.from(body as AsyncIterable<Uint8Array>).on('error', (err) => req.destroy(err)).pipe(req);
  });
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    let url = new URL(input instanceof Request ? input.url : input.toString());
    let current = init;
    for (let hop = 0; ; hop++) {
      const res = await once(url, current);
      const location = res.headers.get('location');
      if ((init.redirect ?? 'follow') !== 'follow' || !REDIRECTS.has(res.status) || !location || hop >= 10) return res;
      await res.body?.cancel();
      const next = new URL(location, url);
      const method = res.status === 303 || ((res.status === 301 || res.status === 302) && current.method === 'POST') ? 'GET' : current.method;
      current = { ...current, method, body: method === current.method ? current.body : undefined };
      if (next.origin !== url.origin) {
        const headers = plainHeaders(current.headers);
        delete headers.authorization;
        return fetch(next, { ...current, headers });
      }
      url = next;
    }
  }) as typeof fetch;
}
