/** Bridge and veth devices through iproute2 (`ip -batch -`: one process for several changes). */
import { randomBytes } from 'node:crypto';
import { execFile, internal, invalidArgument } from '../lib/index.ts';
import { BERTH_IFALIAS, MAX_IFNAME } from './names.ts';

interface IpLink { ifname: string; ifindex: number; address?: string; ifalias?: string; link_index?: number; master?: string }

export async function getLink(name: string): Promise<IpLink | undefined> {
  const r = await execFile('ip', ['-j', 'link', 'show', 'dev', name], { allowFailure: true });
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as IpLink[])[0];
}

export async function listLinks(): Promise<IpLink[]> {
  return JSON.parse((await execFile('ip', ['-j', 'link', 'show'])).stdout) as IpLink[];
}

export function checkIfname(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.length > MAX_IFNAME) {
    throw invalidArgument(`invalid interface name ${JSON.stringify(name)}: at most ${MAX_IFNAME} characters of [A-Za-z0-9_.-]`);
  }
}

/** The bridge exists, is up, carries `gateway/prefix` and our ifalias. Idempotent. */
export async function ensureBridge(o: { name: string; gateway: string; prefix: number; mtu?: number }): Promise<void> {
  checkIfname(o.name);
  const existing = await getLink(o.name);
  const cmds: string[] = [];
  if (!existing) cmds.push(`link add name ${o.name} type bridge`);
  else if (!existing.ifalias?.startsWith(BERTH_IFALIAS)) {
    // Reusing a device we did not create would let cleanup delete someone else's bridge.
    throw invalidArgument(`device ${o.name} already exists and was not created by berth`);
  }
  cmds.push(`link set dev ${o.name} alias ${BERTH_IFALIAS}`);
  if (o.mtu) cmds.push(`link set dev ${o.name} mtu ${o.mtu}`);
  cmds.push(`addr replace ${o.gateway}/${o.prefix} dev ${o.name}`, `link set dev ${o.name} up`);
  await execFile('ip', ['-batch', '-'], { input: cmds.join('\n') + '\n' });
}

export async function deleteLink(name: string): Promise<void> {
  const r = await execFile('ip', ['link', 'del', 'dev', name], { allowFailure: true });
  if (r.code !== 0 && !/Cannot find device|does not exist/.test(r.stderr)) throw internal(`ip link del ${name}: ${r.stderr.trim()}`);
}

/** Docker's MAC for an address: 02:42 followed by the four IPv4 bytes. */
export function macForIp(ip: string): string {
  return ['02', '42', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

export function randomVethName(): string {
  return `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
}
