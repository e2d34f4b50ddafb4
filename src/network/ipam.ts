/**
 * Per-network IPv4 address allocation that survives daemon restarts.
 *
 * On-disk layout (schema v1), one file per network, written atomically (temp + fsync + rename):
 *   <dir>/<networkId>.json = { version: 1, subnet, ipRange?, gateway, addresses: { "<ip>": "<owner>" } }
 * The gateway is an ordinary entry owned by "gateway". Addresses are handed out lowest-free-first within
 * ipRange (or the subnet), skipping the network and broadcast addresses, as Docker's default IPAM does.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidArgument, KeyedMutex, notFound, readJson, unavailable, writeJsonAtomic } from '../lib/index.ts';
import { cidrContains, cidrLast, formatIpv4, parseCidr, parseIpv4, type Cidr } from './ipv4.ts';

interface PoolFile {
  version: 1;
  subnet: string;
  ipRange?: string;
  gateway: string;
  addresses: Record<string, string>;
}

export interface PoolConfig { subnet: string; ipRange?: string; gateway?: string }

const GATEWAY_OWNER = 'gateway';

export class Ipam {
  private readonly dir: string;
  private readonly locks = new KeyedMutex();

  constructor(o: { dir: string }) {
    this.dir = o.dir;
  }

  /**
   * Creates the pool and reserves its gateway (the first free address of the range when none is given).
   * Idempotent: an existing pool is returned unchanged.
   */
  async createPool(networkId: string, c: PoolConfig): Promise<{ gateway: string }> {
    return this.locks.run(networkId, async () => {
      const existing = await this.read(networkId);
      if (existing) return { gateway: existing.gateway };
      const subnet = parseCidr(c.subnet);
      const range = c.ipRange ? parseCidr(c.ipRange) : subnet;
      if (c.ipRange && !(cidrContains(subnet, range.base) && cidrContains(subnet, cidrLast(range)))) {
        throw invalidArgument(`subnet ${c.subnet} does not contain ip-range ${c.ipRange}`);
      }
      const pool: PoolFile = { version: 1, subnet: c.subnet, ipRange: c.ipRange, gateway: '', addresses: {} };
      if (c.gateway) {
        if (!cidrContains(subnet, parseIpv4(c.gateway))) throw invalidArgument(`gateway ${c.gateway} is not in subnet ${c.subnet}`);
        pool.gateway = c.gateway;
      } else {
        pool.gateway = firstFree(pool, subnet, range);
      }
      pool.addresses[pool.gateway] = GATEWAY_OWNER;
      await mkdir(this.dir, { recursive: true });
      await this.write(networkId, pool);
      return { gateway: pool.gateway };
    });
  }

  async removePool(networkId: string): Promise<void> {
    await this.locks.run(networkId, () => rm(this.file(networkId), { force: true }));
  }

  /** An address for `owner` (a container id): `preferred` if given and free, else the lowest free one. */
  async allocate(networkId: string, o: { preferred?: string; owner?: string } = {}): Promise<string> {
    return this.locks.run(networkId, async () => {
      const pool = await this.mustRead(networkId);
      const subnet = parseCidr(pool.subnet);
      let ip: string;
      if (o.preferred) {
        const n = parseIpv4(o.preferred);
        if (!cidrContains(subnet, n) || n === subnet.base || n === cidrLast(subnet)) {
          throw invalidArgument(`no configured subnet or ip-range contain the IP address ${o.preferred}`);
        }
        if (pool.addresses[o.preferred] !== undefined) throw conflict('Address already in use');
        ip = o.preferred;
      } else {
        ip = firstFree(pool, subnet, pool.ipRange ? parseCidr(pool.ipRange) : subnet);
      }
      pool.addresses[ip] = o.owner ?? '';
      await this.write(networkId, pool);
      return ip;
    });
  }

  /** Idempotent; the gateway is never released. */
  async release(networkId: string, ip: string): Promise<void> {
    await this.locks.run(networkId, async () => {
      const pool = await this.read(networkId);
      if (!pool || pool.addresses[ip] === undefined || pool.addresses[ip] === GATEWAY_OWNER) return;
      delete pool.addresses[ip];
      await this.write(networkId, pool);
    });
  }

  /** Every allocated address with its owner ('gateway' for the gateway), to reconcile after a crash. */
  async allocations(networkId: string): Promise<{ ip: string; owner: string }[]> {
    const pool = await this.mustRead(networkId);
    return Object.entries(pool.addresses).map(([ip, owner]) => ({ ip, owner }));
  }

  private file(networkId: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(networkId)) throw invalidArgument(`invalid network id: ${networkId}`);
    return join(this.dir, `${networkId}.json`);
  }

  private read(networkId: string): Promise<PoolFile | undefined> {
    return readJson<PoolFile>(this.file(networkId));
  }

  private async mustRead(networkId: string): Promise<PoolFile> {
    const pool = await this.read(networkId);
    if (!pool) throw notFound(`no address pool for network ${networkId}`);
    return pool;
  }

  private write(networkId: string, pool: PoolFile): Promise<void> {
    return writeJsonAtomic(this.file(networkId), pool);
  }
}

function firstFree(pool: PoolFile, subnet: Cidr, range: Cidr): string {
  const lo = Math.max(range.base, subnet.base + 1);
  const hi = Math.min(cidrLast(range), cidrLast(subnet) - 1);
  for (let n = lo; n <= hi; n++) {
    const ip = formatIpv4(n);
    if (pool.addresses[ip] === undefined) return ip;
  }
  throw unavailable(`no available IPv4 addresses on this network's address pools: ${pool.subnet}`);
}
