/** Engine API routes for /volumes (moby api/server/router/volume), in Docker's JSON shapes. */
import { invalidArgument } from '../../../lib/index.ts';
import { boolParam, filtersParam, readJson, sendEmpty, sendJson } from '../../http.ts';
import { route, type Route } from '../../router.ts';

/** Docker's volume JSON. */
export interface VolumeJson {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Scope: string;
  Options: Record<string, string> | null;
  Status?: Record<string, unknown>;
  UsageData?: { Size: number; RefCount: number } | null;
}

export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface VolumesBackend {
  list(filters: Record<string, string[]>): Promise<{ Volumes: VolumeJson[]; Warnings: string[] }>;
  inspect(name: string): Promise<VolumeJson>;
  create(body: VolumeCreateBody): Promise<VolumeJson>;
  remove(name: string, o: { force: boolean }): Promise<void>;
  prune(filters: Record<string, string[]>): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
}

export function volumeRoutes(b: VolumesBackend): Route[] {
  const filters = (q: URLSearchParams) => Object.fromEntries(filtersParam(q));
  return [
    route('GET', '/volumes', async (ctx) => sendJson(ctx, 200, await b.list(filters(ctx.query)))),
    route('POST', '/volumes/create', async (ctx) => {
      const body = (await readJson<VolumeCreateBody>(ctx)) ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('invalid volume create request');
      sendJson(ctx, 201, await b.create(body));
    }),
    route('POST', '/volumes/prune', async (ctx) => sendJson(ctx, 200, await b.prune(filters(ctx.query)))),
    route('GET', '/volumes/:name', async (ctx) => sendJson(ctx, 200, await b.inspect(ctx.params.name))),
    route('DELETE', '/volumes/:name', async (ctx) => {
      await b.remove(ctx.params.name, { force: boolParam(ctx.query, 'force') });
      sendEmpty(ctx);
    }),
  ];
}
