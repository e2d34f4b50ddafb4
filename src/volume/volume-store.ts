/**
 * The volume service (moby daemon/volume/service): names, anonymous volumes, filters, Docker's inspect shape,
 * in-use checks and prune. Stateless about containers: the daemon tells it who uses what through setUsage.
 */
import { lstat, readdir } from 'node:fs/promises';
import { conflict, errnoCode, invalidArgument, isNotFound, notFound } from '../lib/index.ts';
import type { VolumeDriver, VolumeRecord } from './driver.ts';
import { ANONYMOUS_LABEL, anonymousVolumeName, validateVolumeName } from './names.ts';

/** Docker's volume JSON (GET /volumes/{name}, items of GET /volumes). */
export interface VolumeView {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local' | 'global';
  Options: Record<string, string>;
  UsageData?: { Size: number; RefCount: number };
}

/** Filters as parsed from the API's `filters` JSON: key → values. */
export type VolumeFilters = Record<string, string[]>;

export interface CreateVolumeOptions {
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
}

const LIST_FILTERS = new Set(['dangling', 'name', 'driver', 'label']);
const PRUNE_FILTERS = new Set(['label', 'label!', 'all']);

export class VolumeStore {
  private readonly drivers: Readonly<Record<string, VolumeDriver>>;
  private usage: (name: string) => string[] = () => [];

  constructor(drivers: Readonly<Record<string, VolumeDriver>>) {
    this.drivers = drivers;
  }

  /** The daemon's answer to "which containers use this volume" (container ids). */
  setUsage(fn: (name: string) => string[]): void {
    this.usage = fn;
  }

  /** Creates a volume (an anonymous one when name is empty/undefined); returns the existing one if present. */
  async create(name: string | undefined, o: CreateVolumeOptions = {}): Promise<VolumeView> {
    const anonymous = !name;
    const volName = name || anonymousVolumeName();
    validateVolumeName(volName);
    const driverName = o.driver || 'local';
    const existing = await this.find(volName);
    if (existing) {
      if (o.driver && existing.driver !== o.driver) throw conflict(`create ${volName}: volume name must be unique`);
      return toView(existing);
    }
    const labels = { ...(o.labels ?? {}) };
    if (anonymous) labels[ANONYMOUS_LABEL] = '';
    return toView(await this.driver(driverName).create(volName, o.driverOpts ?? {}, { labels }));
  }

  /** For `-v name:/path` and `--mount`: the volume, created with defaults when missing. */
  async getOrCreate(name: string | undefined, o: CreateVolumeOptions = {}): Promise<VolumeView> {
    return this.create(name, o);
  }

  async inspect(name: string, o: { size?: boolean } = {}): Promise<VolumeView> {
    const v = await this.find(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    const view = toView(v);
    if (o.size) view.UsageData = await this.usageData(v);
    return view;
  }

  async list(filters: VolumeFilters = {}, o: { size?: boolean } = {}): Promise<{ Volumes: VolumeView[]; Warnings: string[] }> {
    validateFilters(filters, LIST_FILTERS);
    const all = await this.all();
    const dangling = filters.dangling?.length ? parseBool('dangling', filters.dangling[0]!) : undefined;
    const out: VolumeView[] = [];
    for (const v of all) {
      if (filters.driver?.length && !filters.driver.includes(v.driver)) continue;
      if (filters.name?.length && !filters.name.some((n) => v.name === n || safeRegex(n).test(v.name))) continue;
      if (!matchLabels(filters.label, v.labels)) continue;
      if (dangling !== undefined && (this.usage(v.name).length === 0) !== dangling) continue;
      const view = toView(v);
      if (o.size) view.UsageData = await this.usageData(v);
      out.push(view);
    }
    return { Volumes: out, Warnings: [] };
  }

  /** Removes a volume; refuses one in use (`remove <name>: volume is in use - [<ids>]`) unless forced. */
  async remove(name: string, o: { force?: boolean } = {}): Promise<void> {
    const v = await this.find(name);
    if (!v) {
      if (o.force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.usage(name);
    if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    await this.driver(v.driver).remove(name);
  }

  /** Removes unused local volumes without options: anonymous ones only, unless `all=true` (API >= 1.42). */
  async prune(filters: VolumeFilters = {}): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    validateFilters(filters, PRUNE_FILTERS);
    const allVals = filters.all ?? [];
    if (allVals.length > 1) throw invalidArgument(`invalid filter 'all=${allVals.join(',')}': only one value is expected`);
    const all = allVals.length === 1 ? parseBool('all', allVals[0]!) : false;
    const labelFilters = all ? filters.label : [...(filters.label ?? []), ANONYMOUS_LABEL];
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of await this.all()) {
      if (v.driver !== 'local' || Object.keys(v.options).length > 0) continue;
      if (!matchLabels(labelFilters, v.labels)) continue;
      if (filters['label!']?.length && matchAnyLabel(filters['label!'], v.labels)) continue;
      if (this.usage(v.name).length > 0) continue;
      const size = await dirSize(v.mountpoint).catch(() => 0);
      try {
        await this.driver(v.driver).remove(v.name);
      } catch {
        continue; // Docker logs and moves on
      }
      deleted.push(v.name);
      reclaimed += size;
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  /** Ref-counted mount for a container (returns the host path to bind). */
  async mount(name: string, ref: string): Promise<string> {
    const v = await this.find(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return this.driver(v.driver).mount(name, ref);
  }

  async unmount(name: string, ref: string): Promise<void> {
    const v = await this.find(name);
    if (v) await this.driver(v.driver).unmount(name, ref);
  }

  private driver(name: string): VolumeDriver {
    const d = this.drivers[name];
    if (!d) throw notFound(`error looking up volume plugin ${name}: plugin "${name}" not found`);
    return d;
  }

  private async find(name: string): Promise<VolumeRecord | undefined> {
    for (const d of Object.values(this.drivers)) {
      try { return await d.get(name); } catch (err) { if (!isNotFound(err)) throw err; }
    }
    return undefined;
  }

  private async all(): Promise<VolumeRecord[]> {
    const out: VolumeRecord[] = [];
    for (const d of Object.values(this.drivers)) out.push(...(await d.list()));
    return out;
  }

  private async usageData(v: VolumeRecord): Promise<{ Size: number; RefCount: number }> {
    const local = v.driver === 'local' && Object.keys(v.options).length === 0;
    return { Size: local ? await dirSize(v.mountpoint).catch(() => -1) : -1, RefCount: this.usage(v.name).length };
  }
}

/** Keys in the order of moby's volume.Volume, so clients that print the JSON as received match docker's output. */
function toView(v: VolumeRecord): VolumeView {
  return {
    CreatedAt: rfc3339Seconds(v.createdAt), Driver: v.driver, Labels: { ...v.labels }, Mountpoint: v.mountpoint,
    Name: v.name, Options: { ...v.options }, Scope: v.scope,
  };
}

/** Go's time.RFC3339 (seconds, with zone): "2024-01-02T03:04:05Z". */
function rfc3339Seconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function validateFilters(f: VolumeFilters, accepted: Set<string>): void {
  for (const k of Object.keys(f)) if (!accepted.has(k)) throw invalidArgument(`invalid filter '${k}'`);
}

function parseBool(key: string, v: string): boolean {
  const s = v.toLowerCase();
  if (['1', 't', 'true'].includes(s)) return true;
  if (['0', 'f', 'false'].includes(s)) return false;
  throw invalidArgument(`invalid filter '${key}=${v}'`);
}

/** Every `key` or `key=value` filter must match (Docker MatchKVList). */
function matchLabels(filters: string[] | undefined, labels: Record<string, string>): boolean {
  return (filters ?? []).every((f) => matchLabel(f, labels));
}

function matchAnyLabel(filters: string[], labels: Record<string, string>): boolean {
  return filters.some((f) => matchLabel(f, labels));
}

function matchLabel(f: string, labels: Record<string, string>): boolean {
  const i = f.indexOf('=');
  if (i < 0) return Object.hasOwn(labels, f);
  const k = f.slice(0, i);
  return Object.hasOwn(labels, k) && labels[k] === f.slice(i + 1);
}

function safeRegex(s: string): RegExp {
  try { return new RegExp(s); } catch { return /$^/; }
}

/** Bytes of regular files and symlinks under dir, hardlinks counted once (moby directory.Size). */
export async function dirSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try { names = await readdir(d); } catch (err) { if (errnoCode(err) === 'ENOENT') return; throw err; }
    for (const n of names) {
      const p = `${d}/${n}`;
      const st = await lstat(p);
      if (st.isDirectory()) { await walk(p); continue; }
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(dir);
  return total;
}
