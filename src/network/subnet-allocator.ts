/**
 * Picks a free subnet for a new network from address pools, like Docker's default-address-pools: the first
 * candidate that overlaps neither a network the daemon already has nor a route on the host (a dockerd's
 * docker0, a VPN, the LAN). Routes on Berth's own devices are ignored: those networks are in `used`.
 */
import { execFile, unavailable } from '../lib/index.ts';
import { cidrSize, cidrsOverlap, formatCidr, formatIpv4, parseCidr, type Cidr } from './ipv4.ts';
import { BERTH_IFALIAS } from './names.ts';

export interface AddressPool { base: string; size: number }

/** Docker's local-scope defaults (moby ipamutils). */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 }, { base: '172.18.0.0/16', size: 16 }, { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 }, { base: '172.24.0.0/14', size: 16 }, { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

export async function allocateSubnet(
  pools: readonly AddressPool[], used: readonly string[], o: { hostRoutes?: string[] } = {},
): Promise<{ subnet: string; gateway: string }> {
  const taken: Cidr[] = [...used.map(parseCidr), ...(o.hostRoutes ?? await hostRoutes()).map(parseCidr)];
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    if (pool.size < base.bits || pool.size > 30) continue;
    const step = cidrSize({ base: 0, bits: pool.size });
    for (let start = base.base; start < base.base + cidrSize(base); start += step) {
      const cand: Cidr = { base: start, bits: pool.size };
      if (!taken.some((t) => cidrsOverlap(t, cand))) return { subnet: formatCidr(cand), gateway: formatIpv4(start + 1) };
    }
  }
  throw unavailable('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

/** Destination prefixes of the host's IPv4 routes (all tables but local), except default routes and ours. */
export async function hostRoutes(): Promise<string[]> {
  const [routes, links] = await Promise.all([
    execFile('ip', ['-j', '-4', 'route', 'show', 'table', 'all']),
    execFile('ip', ['-j', 'link', 'show']),
  ]);
  const ours = new Set((JSON.parse(links.stdout) as { ifname: string; ifalias?: string }[])
    .filter((l) => l.ifalias?.startsWith(BERTH_IFALIAS)).map((l) => l.ifname));
  const out: string[] = [];
  for (const r of JSON.parse(routes.stdout) as { dst: string; dev?: string; table?: string; type?: string }[]) {
    if (r.dst === 'default' || r.table === 'local' || (r.type && r.type !== 'unicast')) continue;
    if (r.dev && ours.has(r.dev)) continue;
    out.push(r.dst);
  }
  return out;
}
