/** Adapts the daemon's container services to the API's ContainersBackend. */
import type { Duplex, Writable } from 'node:stream';
import { execFile, invalidArgument, untilToMs } from '../../lib/index.ts';
import type { ContainersBackend } from '../../api/routers/containers/backend.ts';
import type { CreateRequest, HostConfig, WaitCondition } from '../../api/types/index.ts';
import type { AttachService } from '../containers/attach.ts';
import { writeLogs } from '../containers/logs.ts';
import { writeStats } from '../containers/stats.ts';
import { isAlive, type ContainerService } from '../containers/service.ts';
import { inspectView, listFilter, summaryView } from '../containers/views.ts';

export interface ImageLookup {
  /** Image ids that a reference (name, tag or id prefix) designates; [] when none. */
  imageIdsFor(ref: string): Promise<string[]>;
  /** Size in bytes of an image's layers (a container's SizeRootFs adds its own layer). */
  imageSize(imageId: string): Promise<number>;
}

export class ContainersBackendImpl implements ContainersBackend {
  private readonly svc: ContainerService;
  private readonly attachSvc: AttachService;
  private readonly images: ImageLookup;

  constructor(o: { containers: ContainerService; attach: AttachService; images: ImageLookup }) {
    this.svc = o.containers;
    this.attachSvc = o.attach;
    this.images = o.images;
  }

  create(req: CreateRequest, o: { name?: string; signal?: AbortSignal }) { return this.svc.create(req, o); }
  start(ref: string, o: { signal?: AbortSignal }) { return this.svc.start(ref, o); }
  stop(ref: string, o: { timeout?: number; signal?: string }) { return this.svc.stop(ref, o); }
  kill(ref: string, signal?: string) { return this.svc.kill(ref, signal); }
  restart(ref: string, o: { timeout?: number; signal?: string }) { return this.svc.restart(ref, o); }
  pause(ref: string) { return this.svc.pause(ref); }
  unpause(ref: string) { return this.svc.unpause(ref); }
  remove(ref: string, o: { force?: boolean; volumes?: boolean }) { return this.svc.remove(ref, o); }
  wait(ref: string, c: WaitCondition, o: { signal?: AbortSignal }) { return this.svc.wait(ref, c, o); }
  rename(ref: string, name: string) { return this.svc.rename(ref, name); }
  update(ref: string, changes: HostConfig) { return this.svc.update(ref, changes); }
  resize(ref: string, size: { height: number; width: number }) { return this.svc.resize(ref, size); }

  exists(ref: string) {
    const rec = this.svc.store.get(ref);
    return { id: rec.id, tty: !!rec.config.Tty };
  }

  async list(o: { all: boolean; limit?: number; size: boolean; filters: Map<string, string[]> }) {
    const ancestorIds = new Map<string, string[]>();
    for (const ref of o.filters.get('ancestor') ?? []) ancestorIds.set(ref, await this.images.imageIdsFor(ref));
    const pred = listFilter(o.filters, { find: (r) => this.svc.store.find(r), imageIdsFor: (r) => ancestorIds.get(r) ?? [] });
    const showAll = o.all || o.limit !== undefined || o.filters.has('status') || o.filters.has('exited');
    let recs = this.svc.store.all().filter((r) => (showAll || isAlive(r)) && pred(r));
    recs.sort((a, b) => (a.created < b.created ? 1 : -1));
    if (o.limit) recs = recs.slice(0, o.limit);
    const now = Date.now();
    return Promise.all(recs.map(async (r) => summaryView(r, { now, ...(o.size ? await this.sizes(r.id) : {}) })));
  }

  async inspect(ref: string, o: { size: boolean }) {
    const rec = this.svc.store.get(ref);
    return inspectView(rec, o.size ? await this.sizes(rec.id) : {});
  }

  private async sizes(id: string): Promise<{ sizeRw: number; sizeRootFs: number }> {
    const rec = this.svc.store.get(id);
    const sizeRw = await this.svc.layerSize(id).catch(() => 0);
    const imageSize = await this.images.imageSize(rec.imageId).catch(() => 0);
    return { sizeRw, sizeRootFs: sizeRw + imageSize };
  }

  /** Docker's top: run ps on the host and keep the rows whose PID belongs to the container. */
  async top(ref: string, psArgs: string) {
    const pids = new Set(await this.svc.pids(ref));
    const args = psArgs.split(/\s+/).filter(Boolean);
    const { stdout } = await execFile('ps', args, { errorKind: 'invalid-argument' });
    const lines = stdout.trimEnd().split('\n');
    const titles = lines[0].trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    if (pidCol < 0) throw invalidArgument(`Couldn't find PID field in ps output`);
    const processes: string[][] = [];
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (!pids.has(Number(fields[pidCol]))) continue;
      // The last column (the command) may contain spaces.
      processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
    }
    this.svc.emit(this.svc.store.get(ref), 'top');
    return { Titles: titles, Processes: processes };
  }

  async logs(ref: string, out: Writable, o: { stdout: boolean; stderr: boolean; follow: boolean; tail?: number; since?: number; until?: number; timestamps: boolean; signal?: AbortSignal }) {
    const rec = this.svc.store.get(ref);
    const follow = o.follow && isAlive(rec);
    await writeLogs(rec, out, { ...o, follow, tty: !!rec.config.Tty, stopWhen: follow ? this.svc.nextExit(rec.id) : undefined });
  }

  async prune(filters: Map<string, string[]>) {
    for (const k of filters.keys()) if (k !== 'until' && k !== 'label' && k !== 'label!') throw invalidArgument(`invalid filter '${k}'`);
    const until = filters.get('until')?.[0];
    const untilMs = until ? untilToMs(until) : undefined;
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rec of this.svc.store.all()) {
      if (isAlive(rec)) continue;
      if (untilMs !== undefined && Date.parse(rec.created) >= untilMs) continue;
      const labels = rec.config.Labels ?? {};
      if (!(filters.get('label') ?? []).every((l) => labelMatch(labels, l))) continue;
      if ((filters.get('label!') ?? []).some((l) => labelMatch(labels, l))) continue;
      reclaimed += await this.svc.layerSize(rec.id).catch(() => 0);
      await this.svc.remove(rec.id, {});
      deleted.push(rec.id);
    }
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  stats(ref: string, send: (v: unknown) => void, o: { stream: boolean; oneShot: boolean; signal?: AbortSignal }) {
    const id = this.svc.store.get(ref).id;
    return writeStats(() => this.svc.store.get(id), send, { ...o, signal: o.signal ?? new AbortController().signal, cgroupPath: this.svc.cgroupPath(id) });
  }

  prepareAttach(ref: string) {
    const rec = this.attachSvc.prepare(ref);
    return { tty: !!rec.config.Tty };
  }

  attach(ref: string, client: Duplex, o: { stdin: boolean; stdout: boolean; stderr: boolean; stream: boolean; logs: boolean; detachKeys?: string }) {
    return this.attachSvc.attach(this.svc.store.get(ref), client, o);
  }
}

function labelMatch(labels: Record<string, string>, f: string): boolean {
  const eq = f.indexOf('=');
  return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
}
