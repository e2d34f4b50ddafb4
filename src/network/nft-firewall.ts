/**
 * All of Berth's packet filtering and NAT lives in two nftables tables of its own, so cleanup is "delete our
 * tables" and nothing else on the host is touched:
 *
 *   table ip berth       sets of bridges/subnets, a map of published ports, and the rules that use them:
 *                        masquerade out of non-internal networks, DNAT of published ports (prerouting for
 *                        traffic from outside and from containers, output for the host itself incl. 127.0.0.1),
 *                        hairpin masquerade, isolation between bridges, internal networks cut off.
 *   table bridge berth   drops IPv4 between ports of a network created with enable_icc=false.
 *
 * Rules are fixed; networks and ports only add or delete set elements. Network and no-icc changes (rare) go
 * through `nft -f` and re-declare the skeleton (add table/sets/chains, flush chains, add rules) in the same
 * transaction as their element changes, so each is atomic, idempotent and repairs a table someone deleted;
 * deleting an element that may be missing is written "add X; delete X" because nft 1.0.6 has no `destroy`.
 * Published ports (every `-p` container start and exit) are map elements sent as nf_tables netlink batches
 * (nft-netlink.ts): no nft process; a missing table is re-declared and the change retried.
 */
import { execFile } from '../lib/index.ts';
import { NFT_TABLE } from './names.ts';
import { changePortElements } from './nft-netlink.ts';

export interface NetworkElements { bridge: string; subnet: string; internal: boolean; masquerade: boolean }

export interface PortElement { hostIp: string; proto: string; hostPort: number; targetIp: string; targetPort: number }

export class NftFirewall {
  /** Table name in both families; tests use their own so they never disturb a running daemon's. */
  readonly table: string;
  private readonly skeleton: string;

  constructor(table: string = NFT_TABLE) {
    this.table = table;
    this.skeleton = skeleton(table);
  }

  async addNetwork(n: NetworkElements): Promise<void> {
    await this.run(this.networkLines(n).map((l) => `add element ${l}`));
  }

  async removeNetwork(n: NetworkElements): Promise<void> {
    await this.run(this.networkLines(n).flatMap((l) => [`add element ${l}`, `delete element ${l}`]));
  }

  /** DNAT map elements over netlink (no nft process); recreates the table first if someone deleted it. */
  async addPorts(ports: readonly PortElement[]): Promise<void> {
    try {
      await changePortElements(this.table, 'add', ports);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      await this.run([]);
      await changePortElements(this.table, 'add', ports);
    }
  }

  /** Idempotent: elements (or a whole table) already gone are fine. */
  async removePorts(ports: readonly PortElement[]): Promise<void> {
    await changePortElements(this.table, 'delete', ports);
  }

  /** Host-side veths of networks without inter-container communication. */
  async setNoIcc(veth: string, on: boolean): Promise<void> {
    const l = `bridge ${this.table} no_icc { ${JSON.stringify(veth)} }`;
    await this.run(on ? [`add element ${l}`] : [`add element ${l}`, `delete element ${l}`]);
  }

  /** Deletes both tables if present. */
  async deleteTables(): Promise<void> {
    for (const fam of ['ip', 'bridge']) {
      const r = await execFile('nft', ['list', 'table', fam, this.table], { allowFailure: true });
      if (r.code === 0) await execFile('nft', ['delete', 'table', fam, this.table]);
    }
  }

  private networkLines(n: NetworkElements): string[] {
    const T = this.table;
    const b = JSON.stringify(n.bridge);
    const lines = [`ip ${T} bridges { ${b} }`, `ip ${T} same_bridge { ${b} . ${b} }`];
    if (n.internal) lines.push(`ip ${T} internal { ${b} }`);
    else {
      lines.push(`ip ${T} hairpin { ${n.subnet} . ${b} }`);
      if (n.masquerade) lines.push(`ip ${T} masq { ${n.subnet} }`);
    }
    return lines;
  }

  private async run(lines: readonly string[]): Promise<void> {
    await execFile('nft', ['-f', '-'], { input: this.skeleton + lines.join('\n') + '\n' });
  }
}


function skeleton(T: string): string {
  return `
add table ip ${T}
add set ip ${T} bridges { type ifname; }
add set ip ${T} same_bridge { type ifname . ifname; }
add set ip ${T} internal { type ifname; }
add set ip ${T} masq { type ipv4_addr; flags interval; }
add set ip ${T} hairpin { type ipv4_addr . ifname; flags interval; }
add map ip ${T} ports { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; flags interval; }
add chain ip ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain ip ${T} output { type nat hook output priority -100; policy accept; }
add chain ip ${T} postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain ip ${T} forward { type filter hook forward priority filter; policy accept; }
flush chain ip ${T} prerouting
flush chain ip ${T} output
flush chain ip ${T} postrouting
flush chain ip ${T} forward
add rule ip ${T} prerouting meta l4proto { tcp, udp, sctp } fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @ports
add rule ip ${T} output meta l4proto { tcp, udp, sctp } fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @ports
add rule ip ${T} postrouting ip saddr @masq oifname != @bridges masquerade
add rule ip ${T} postrouting ip saddr . oifname @hairpin masquerade
add rule ip ${T} postrouting ip saddr 127.0.0.0/8 oifname @bridges masquerade
add rule ip ${T} forward iifname . oifname @same_bridge accept
add rule ip ${T} forward iifname @internal drop
add rule ip ${T} forward oifname @internal drop
add rule ip ${T} forward ct status dnat accept
add rule ip ${T} forward iifname @bridges oifname @bridges drop
add table bridge ${T}
add set bridge ${T} no_icc { type ifname; }
add chain bridge ${T} forward { type filter hook forward priority filter; policy accept; }
flush chain bridge ${T} forward
add rule bridge ${T} forward iifname @no_icc oifname @no_icc ether type ip drop
`;
}
