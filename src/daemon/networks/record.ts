/**
 * Network records and their persistence.
 *
 * On-disk layout (schema v1):
 *   <dataRoot>/networks/<id>.json    one record per network, written atomically
 *   <dataRoot>/networks/ipam/        address allocations (src/network Ipam), one file per network
 * The predefined networks (bridge, host, none) are records too, created at first start.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJsonAtomic, notFound, invalidArgument } from '../../lib/index.ts';

export interface IpamConfig { Subnet: string; Gateway: string; IPRange?: string }

export interface NetworkRecord {
  schema: 1;
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge' | 'host' | 'null';
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** Bridge device (bridge driver only). */
  bridge?: string;
}

export const PREDEFINED = ['bridge', 'host', 'none'] as const;

export class NetworkStore {
  private readonly byId = new Map<string, NetworkRecord>();
  readonly dir: string;

  constructor(dataRoot: string) {
    this.dir = join(dataRoot, 'networks');
  }

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const f of await readdir(this.dir)) {
      if (f.endsWith('.tmp')) await rm(join(this.dir, f), { force: true }); // an atomic write cut short by a crash
      if (!f.endsWith('.json')) continue;
      const rec = await readJson<NetworkRecord>(join(this.dir, f)).catch(() => undefined);
      if (rec?.Id) this.byId.set(rec.Id, rec);
    }
  }

  all(): NetworkRecord[] {
    return [...this.byId.values()];
  }

  /** Docker's lookup: full id, exact name, then a unique id prefix. */
  find(ref: string): NetworkRecord | undefined {
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const byName = this.all().find((n) => n.Name === ref);
    if (byName) return byName;
    const matches = this.all().filter((n) => n.Id.startsWith(ref));
    if (matches.length > 1) throw invalidArgument(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    return matches[0];
  }

  get(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  async save(rec: NetworkRecord): Promise<void> {
    await writeJsonAtomic(join(this.dir, `${rec.Id}.json`), rec);
    this.byId.set(rec.Id, rec);
  }

  async delete(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
    this.byId.delete(id);
  }
}
