/**
 * The per-container rtnetlink operations (veth pair, address, route, link up/delete) as direct netlink
 * messages: what `ip link add ... type veth peer ... netns`, `ip addr add`, `ip route add default` send,
 * without a process per command.
 */
import {
  type Attr, decodeAttrs, encodeAttrs, ipv4Bytes, macBytes, NLA_F_NESTED, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
  type NetlinkSocket, u8, u32,
} from './netlink.ts';

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_IFALIAS = 20;
const IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_INFO_SLAVE_KIND = 4;
const IFLA_INFO_SLAVE_DATA = 5;
const VETH_INFO_PEER = 1;
const IFLA_BRPORT_MODE = 4;
const IFF_UP = 1;
const AF_INET = 2;

function ifinfomsg(o: { index?: number; flags?: number; change?: number } = {}): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(o.index ?? 0, 4);
  b.writeUInt32LE(o.flags ?? 0, 8);
  b.writeUInt32LE(o.change ?? 0, 12);
  return b;
}

const nested = (type: number, attrs: Attr[]): Attr => [type | NLA_F_NESTED, attrs];

/** Interface index by name, or undefined when there is no such device in the socket's netns. */
export function linkIndex(s: NetlinkSocket, name: string): number | undefined {
  try {
    const [r] = s.request({ type: RTM_GETLINK, flags: NLM_F_REQUEST, body: Buffer.concat([ifinfomsg(), encodeAttrs([[IFLA_IFNAME, name]])]) });
    return r ? r.body.readInt32LE(4) : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENODEV') return undefined;
    throw err;
  }
}

/** Link attributes by name (ifalias, master index), or undefined. */
export function linkInfo(s: NetlinkSocket, name: string): { index: number; alias?: string; master?: number } | undefined {
  try {
    const [r] = s.request({ type: RTM_GETLINK, flags: NLM_F_REQUEST, body: Buffer.concat([ifinfomsg(), encodeAttrs([[IFLA_IFNAME, name]])]) });
    if (!r) return undefined;
    const a = decodeAttrs(r.body.subarray(16));
    return { index: r.body.readInt32LE(4), alias: a.get(IFLA_IFALIAS)?.toString().replace(/\0.*$/s, ''), master: a.get(IFLA_MASTER)?.readUInt32LE(0) };
  } catch (err) {
    if ((err as { code?: string }).code === 'ENODEV') return undefined;
    throw err;
  }
}

/**
 * A veth pair created up on the host, enslaved to `masterIndex`, its peer `ifname` (with `mac`) created straight
 * inside the netns given by `netnsFd`; then the host end gets `alias` and hairpin mode. All or nothing.
 */
export async function createVeth(s: NetlinkSocket, o: {
  hostVeth: string; ifname: string; mac: string; mtu?: number; masterIndex: number; netnsFd: number; alias: string;
}): Promise<void> {
  const mtu: Attr[] = o.mtu ? [[IFLA_MTU, u32(o.mtu)]] : [];
  const peer = Buffer.concat([ifinfomsg(), encodeAttrs([[IFLA_IFNAME, o.ifname], ...mtu, [IFLA_ADDRESS, macBytes(o.mac)], [IFLA_NET_NS_FD, u32(o.netnsFd)]])]);
  await s.transact([{
    type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    body: Buffer.concat([ifinfomsg({ flags: IFF_UP, change: IFF_UP }), encodeAttrs([
      [IFLA_IFNAME, o.hostVeth], ...mtu, [IFLA_MASTER, u32(o.masterIndex)],
      nested(IFLA_LINKINFO, [[IFLA_INFO_KIND, 'veth'], nested(IFLA_INFO_DATA, [[VETH_INFO_PEER, peer]])]),
    ])]),
  }]);
  // Hairpin: with br_netfilter a container reaching its own published port is DNATed inside the bridge and the
  // frame must go back out the port it came in on.
  try {
    await s.transact([{
    type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK,
    body: Buffer.concat([ifinfomsg(), encodeAttrs([
      [IFLA_IFNAME, o.hostVeth], [IFLA_IFALIAS, o.alias],
      nested(IFLA_LINKINFO, [[IFLA_INFO_SLAVE_KIND, 'bridge'], nested(IFLA_INFO_SLAVE_DATA, [[IFLA_BRPORT_MODE, u8(1)]])]),
    ])]),
    }]);
  } catch (err) {
    await deleteLinkByName(s, o.hostVeth);
    throw err;
  }
}

/** Sets IFF_UP on the link. */
export async function linkUp(s: NetlinkSocket, index: number): Promise<void> {
  await s.transact([{ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, body: ifinfomsg({ index, flags: IFF_UP, change: IFF_UP }) }]);
}

/** Deletes a link by name; false when it did not exist. */
export async function deleteLinkByName(s: NetlinkSocket, name: string): Promise<boolean> {
  try {
    await s.transact([{ type: RTM_DELLINK, flags: NLM_F_REQUEST | NLM_F_ACK, body: Buffer.concat([ifinfomsg(), encodeAttrs([[IFLA_IFNAME, name]])]) }]);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENODEV') return false;
    throw err;
  }
}

/** `ip addr add ip/prefix dev <index>`. */
export async function addAddress(s: NetlinkSocket, index: number, ip: string, prefix: number): Promise<void> {
  const m = Buffer.alloc(8);
  m.writeUInt8(AF_INET, 0);
  m.writeUInt8(prefix, 1);
  m.writeUInt32LE(index, 4);
  await s.transact([{ type: RTM_NEWADDR, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    body: Buffer.concat([m, encodeAttrs([[2 /* IFA_LOCAL */, ipv4Bytes(ip)], [1 /* IFA_ADDRESS */, ipv4Bytes(ip)]])]) }]);
}

/** `ip route add default via gateway dev <index>`; false when a default route already exists. */
export async function addDefaultRoute(s: NetlinkSocket, index: number, gateway: string): Promise<boolean> {
  const m = Buffer.alloc(12);
  m.writeUInt8(AF_INET, 0);
  m.writeUInt8(254, 4);   // RT_TABLE_MAIN
  m.writeUInt8(3, 5);     // RTPROT_BOOT
  m.writeUInt8(0, 6);     // RT_SCOPE_UNIVERSE
  m.writeUInt8(1, 7);     // RTN_UNICAST
  try {
    await s.transact([{ type: RTM_NEWROUTE, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      body: Buffer.concat([m, encodeAttrs([[5 /* RTA_GATEWAY */, ipv4Bytes(gateway)], [4 /* RTA_OIF */, u32(index)]])]) }]);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') return false;
    throw err;
  }
}
