/** The project's networks and volumes: created with compose labels when missing; external ones must exist. */
import { isApiError } from '../client/index.ts';
import type { ComposeContext } from './context.ts';
import type { Ledger } from './ledger.ts';
import type { Project } from './model.ts';
import { COMPOSE_VERSION, L } from './labels.ts';

async function exists(c: ComposeContext, path: string): Promise<boolean> {
  try {
    await c.client.json('GET', path);
    return true;
  } catch (err) {
    if (isApiError(err) && err.status === 404) return false;
    throw err;
  }
}

export async function ensureNetworks(c: ComposeContext, p: Project, used: Set<string>, ledger: Ledger): Promise<void> {
  for (const [key, n] of Object.entries(p.networks)) {
    if (!used.has(key)) continue;
    if (await exists(c, `/networks/${encodeURIComponent(n.name)}`)) continue;
    if (n.external) throw new Error(`network ${n.name} declared as external, but could not be found`);
    const r = await c.client.json<{ Id: string }>('POST', '/networks/create', {
      body: {
        Name: n.name, Driver: n.driver ?? 'bridge', Internal: !!n.internal, Attachable: !!n.attachable, EnableIPv6: !!n.enable_ipv6,
        Options: n.driver_opts ?? {},
        IPAM: n.ipam ? { Driver: n.ipam.driver ?? 'default', Config: (n.ipam.config ?? []).map((x) => ({ Subnet: x.subnet, Gateway: x.gateway, IPRange: x.ip_range })) } : undefined,
        Labels: { ...n.labels, [L.network]: key, [L.project]: p.name, [L.version]: COMPOSE_VERSION },
      },
    });
    ledger.add('network', r.Id);
    c.progress(` Network ${n.name}  Created`);
  }
}

export async function ensureVolumes(c: ComposeContext, p: Project, used: Set<string>, ledger: Ledger): Promise<void> {
  for (const [key, v] of Object.entries(p.volumes)) {
    if (!used.has(key)) continue;
    if (await exists(c, `/volumes/${encodeURIComponent(v.name)}`)) continue;
    if (v.external) throw new Error(`external volume "${v.name}" not found`);
    await c.client.json('POST', '/volumes/create', {
      body: { Name: v.name, Driver: v.driver ?? 'local', DriverOpts: v.driver_opts ?? {}, Labels: { ...v.labels, [L.volume]: key, [L.project]: p.name, [L.version]: COMPOSE_VERSION } },
    });
    ledger.add('volume', v.name);
    c.progress(` Volume "${v.name}"  Created`);
  }
}
