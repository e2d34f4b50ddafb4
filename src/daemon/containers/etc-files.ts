/** /etc/hostname, /etc/hosts and /etc/resolv.conf for a container, generated as Docker does. */
import { readFile, writeFile } from 'node:fs/promises';
import type { HostConfig } from '../../api/types/index.ts';

export function hostsFile(o: { hostname: string; domainname?: string; ip?: string; extraHosts?: string[]; hostGateway?: string }): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::\tip6-localnet',
    'ff00::\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const h of o.extraHosts ?? []) {
    const i = h.indexOf(':');
    // `--add-host name:host-gateway` means the host as containers see it (the default bridge's gateway).
    const addr = h.slice(i + 1) === 'host-gateway' ? o.hostGateway : h.slice(i + 1);
    if (i > 0 && addr) lines.push(`${addr}\t${h.slice(0, i)}`);
  }
  if (o.ip) {
    const fqdn = o.domainname ? `${o.hostname}.${o.domainname} ${o.hostname}` : o.hostname;
    lines.push(`${o.ip}\t${fqdn}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The host's resolv.conf with loopback nameservers dropped (they mean nothing inside the container's
 * network namespace), falling back to Google's public resolvers as Docker does when nothing is left.
 */
export function resolvConf(hostConf: string, hc: HostConfig, o: { hostNetwork: boolean; embeddedDns?: string }): string {
  if (o.hostNetwork && !hc.Dns?.length && !hc.DnsSearch?.length && !hc.DnsOptions?.length) return hostConf;
  const lines = hostConf.split('\n');
  let nameservers = lines.filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  if (!o.hostNetwork) nameservers = nameservers.filter((ns) => !/^127\./.test(ns) && ns !== '::1');
  if (hc.Dns?.length) nameservers = hc.Dns;
  if (nameservers.length === 0) nameservers = ['8.8.8.8', '8.8.4.4'];
  const search = hc.DnsSearch?.length ? hc.DnsSearch : lines.filter((l) => /^\s*search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  let options = hc.DnsOptions?.length ? hc.DnsOptions : lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  // On user-defined networks the embedded DNS answers (and forwards --dns servers), as in Docker.
  if (o.embeddedDns) {
    nameservers = [o.embeddedDns];
    if (!options.some((x) => x.startsWith('ndots:'))) options = [...options, 'ndots:0'];
  }
  const out: string[] = [];
  if (search.length) out.push(`search ${search.join(' ')}`);
  for (const ns of nameservers) out.push(`nameserver ${ns}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}

export async function writeEtcFiles(paths: { hostname: string; hosts: string; resolvConf: string }, o: {
  hostname: string; domainname?: string; hc: HostConfig; hostNetwork: boolean;
  /** The container's own address (first network), listed for its hostname. */
  ip?: string;
  /** The embedded DNS server of a user-defined network. */
  embeddedDns?: string;
  /** What `host-gateway` stands for in --add-host. */
  hostGateway?: string;
}): Promise<void> {
  let hostResolv = '';
  try {
    hostResolv = await readFile('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolv.conf on the host: fall back to defaults
  }
  const hostname = o.hostNetwork ? (await readFile('/etc/hostname', 'utf8').catch(() => o.hostname)).trim() : o.hostname;
  await writeFile(paths.hostname, hostname + '\n', { mode: 0o644 });
  const hosts = o.hostNetwork
    ? await readFile('/etc/hosts', 'utf8').catch(() => hostsFile({ hostname }))
    : hostsFile({ hostname: o.hostname, domainname: o.domainname, ip: o.ip, extraHosts: o.hc.ExtraHosts ?? [], hostGateway: o.hostGateway });
  await writeFile(paths.hosts, hosts, { mode: 0o644 });
  await writeFile(paths.resolvConf, resolvConf(hostResolv, o.hc, { hostNetwork: o.hostNetwork, embeddedDns: o.embeddedDns }), { mode: 0o644 });
}
