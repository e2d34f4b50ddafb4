/** The few IPv4 sysctls bridge networking needs, read and written through /proc/sys. */
import { readFile, writeFile } from 'node:fs/promises';

async function readSysctl(path: string): Promise<string> {
  return (await readFile(`/proc/sys/${path}`, 'utf8')).trim();
}

async function writeSysctl(path: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${path}`, value);
}

/** Turns on net.ipv4.ip_forward when it is off (as dockerd does); returns true if it changed it. */
export async function ensureIpForward(): Promise<boolean> {
  if ((await readSysctl('net/ipv4/ip_forward')) === '1') return false;
  await writeSysctl('net/ipv4/ip_forward', '1');
  return true;
}

/** route_localnet on one device: lets 127.0.0.1 traffic DNATed to a container leave through that bridge. */
export async function enableRouteLocalnet(dev: string): Promise<void> {
  const path = `net/ipv4/conf/${dev}/route_localnet`;
  if ((await readSysctl(path)) !== '1') await writeSysctl(path, '1');
}
