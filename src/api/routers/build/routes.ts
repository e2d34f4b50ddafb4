/**
 * `POST /build` for the classic builder (moby daemon/server/router/build): the body is the context tar (plain,
 * gzip, bzip2 or xz); the reply is a JSON message stream with headers flushed once the build starts. Failures
 * before any output (bad parameters, context, Dockerfile syntax) are HTTP errors; later ones go in the stream.
 * `X-Registry-Config` carries the client's registry credentials for FROM pulls. `/build/prune` lives with the system routes.
 */
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../../lib/index.ts';
import { boolParam, openJsonStream } from '../../http.ts';
import { route, type Route } from '../../router.ts';
import type { RegistryAuth } from '../images/backend.ts';

export interface BuildRequest {
  tags: string[];
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  quiet: boolean;
  remove: boolean;
  forceRemove: boolean;
  networkMode: string;
  platform: string;
  /** Pull the FROM images even when present. */
  pull: boolean;
  /** Collapse the layers the build added into one (`--squash`). */
  squash: boolean;
  /** Images whose build history may serve as cache (`--cache-from`). */
  cacheFrom: string[];
  /** `host:ip` entries for RUN containers' /etc/hosts (`--add-host`). */
  extraHosts: string[];
  /** /dev/shm size of RUN containers in bytes (0: the default). */
  shmSize: number;
  /** X-Registry-Config: the client's credentials by registry (`127.0.0.1:5000`, `https://index.docker.io/v1/`), for FROM pulls. */
  registryAuth: Record<string, RegistryAuth>;
  signal: AbortSignal;
}

export interface BuildBackend {
  /** Reads the context and checks the Dockerfile; the returned build streams its messages through `write`. */
  prepare(body: Readable, r: BuildRequest): Promise<{ run(write: (m: object) => void): Promise<void>; dispose(): Promise<void> }>;
}

function jsonParam<T>(q: URLSearchParams, name: string): T | undefined {
  const v = q.get(name);
  if (!v) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch (err) {
    throw invalidArgument(`${name}: ${(err as Error).message}`);
  }
}

/** X-Registry-Config: base64url (or std) JSON map of registry → AuthConfig; unreadable means none. */
function registryConfig(header: string | string[] | undefined): Record<string, RegistryAuth> {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return {};
  try {
    const m = JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as unknown;
    return m && typeof m === 'object' && !Array.isArray(m) ? m as Record<string, RegistryAuth> : {};
  } catch {
    return {};
  }
}

export function buildRoutes(b: BuildBackend): Route[] {
  return [
    route('POST', '/build', async (ctx) => {
      const q = ctx.query;
      if (q.get('remote')) throw invalidArgument('remote build contexts are not supported');
      const version = q.get('version');
      if (version && version !== '1') throw invalidArgument(`unsupported builder version ${version}: only the classic builder (1) is available`);
      const r: BuildRequest = {
        tags: q.getAll('t').filter(Boolean),
        dockerfile: q.get('dockerfile') ?? '',
        buildArgs: jsonParam(q, 'buildargs') ?? {},
        labels: jsonParam(q, 'labels') ?? {},
        target: q.get('target') ?? '',
        noCache: boolParam(q, 'nocache'),
        quiet: boolParam(q, 'q'),
        remove: q.get('rm') === null || q.get('rm') === '' ? true : boolParam(q, 'rm'),
        forceRemove: boolParam(q, 'forcerm'),
        networkMode: q.get('networkmode') ?? '',
        platform: q.get('platform') ?? '',
        pull: boolParam(q, 'pull'),
        squash: boolParam(q, 'squash'),
        cacheFrom: jsonParam<string[]>(q, 'cachefrom') ?? [],
        extraHosts: q.getAll('extrahosts').flatMap((h) => h.split(',')).filter(Boolean),
        shmSize: Number(q.get('shmsize') ?? 0) || 0,
        registryAuth: registryConfig(ctx.req.headers['x-registry-config']),
        signal: ctx.signal,
      };
      const build = await b.prepare(ctx.req, r);
      try {
        const out = openJsonStream(ctx);
        await build.run((m) => out.write(m));
        out.end();
      } finally {
        await build.dispose();
      }
    }),
  ];
}
