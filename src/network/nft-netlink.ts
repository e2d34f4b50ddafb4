/**
 * Elements of the published-ports map (`map ip <table> ports`, see nft-firewall.ts) added and deleted with
 * nf_tables netlink batches, as `nft add/delete element` send them, without a process: `nft` spends 10-25 ms
 * per call loading its cache, the kernel a few microseconds.
 *
 * The map is `ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service` with `flags interval`, so each
 * element has a key range: every concatenated field takes 4 bytes (network order, zero padded), the start key
 * holds the lowest address (0.0.0.0 for "every address") and the end key the highest (255.255.255.255).
 */
import { type Attr, be16, encodeAttrs, ipv4Bytes, NETLINK_NETFILTER, NetlinkSocket, NLA_F_NESTED, NLM_F_ACK, NLM_F_CREATE, NLM_F_REQUEST } from './netlink.ts';

const NFNL_SUBSYS_NFTABLES = 10;
const NFNL_MSG_BATCH_BEGIN = 0x10;
const NFNL_MSG_BATCH_END = 0x11;
const NFT_MSG_NEWSETELEM = 12;
const NFT_MSG_DELSETELEM = 14;
const NFPROTO_IPV4 = 2;
const NFTA_SET_ELEM_LIST_TABLE = 1;
const NFTA_SET_ELEM_LIST_SET = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS = 3;
const NFTA_LIST_ELEM = 1;
const NFTA_SET_ELEM_KEY = 1;
const NFTA_SET_ELEM_DATA = 2;
const NFTA_SET_ELEM_KEY_END = 10;
const NFTA_DATA_VALUE = 1;
const PROTO: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

export interface PortMapElement { hostIp: string; proto: string; hostPort: number; targetIp: string; targetPort: number }

function nfgenmsg(family: number, resId = 0): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(family, 0);
  b.writeUInt16BE(resId, 2);
  return b;
}

function field(bytes: Uint8Array): Buffer {
  const b = Buffer.alloc(4);
  b.set(bytes);
  return b;
}

const value = (b: Uint8Array): Attr[] => [[NFTA_DATA_VALUE, b]];

function element(p: PortMapElement, withData: boolean): Attr {
  const any = p.hostIp === '' || p.hostIp === '0.0.0.0';
  const proto = PROTO[p.proto];
  if (proto === undefined) throw new Error(`unknown protocol ${p.proto}`);
  const rest = Buffer.concat([field(Uint8Array.of(proto)), field(be16(p.hostPort))]);
  const attrs: Attr[] = [
    [NFTA_SET_ELEM_KEY | NLA_F_NESTED, value(Buffer.concat([ipv4Bytes(any ? '0.0.0.0' : p.hostIp), rest]))],
    [NFTA_SET_ELEM_KEY_END | NLA_F_NESTED, value(Buffer.concat([ipv4Bytes(any ? '255.255.255.255' : p.hostIp), rest]))],
  ];
  if (withData) attrs.push([NFTA_SET_ELEM_DATA | NLA_F_NESTED, value(Buffer.concat([ipv4Bytes(p.targetIp), field(be16(p.targetPort))]))]);
  return [NFTA_LIST_ELEM | NLA_F_NESTED, attrs];
}

/**
 * One atomic batch adding (or deleting) the elements. Adding an existing element is not an error (as `nft add`);
 * deleting checks each element on its own, and one already gone (ENOENT) is skipped.
 */
export async function changePortElements(table: string, op: 'add' | 'delete', ports: readonly PortMapElement[]): Promise<void> {
  if (ports.length === 0) return;
  using s = NetlinkSocket.open(NETLINK_NETFILTER);
  const batch = (elems: readonly PortMapElement[]) => [
    { type: NFNL_MSG_BATCH_BEGIN, flags: NLM_F_REQUEST, body: nfgenmsg(0, NFNL_SUBSYS_NFTABLES) },
    {
      type: (NFNL_SUBSYS_NFTABLES << 8) | (op === 'add' ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM),
      flags: NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE : 0),
      body: Buffer.concat([nfgenmsg(NFPROTO_IPV4), encodeAttrs([
        [NFTA_SET_ELEM_LIST_TABLE, table], [NFTA_SET_ELEM_LIST_SET, 'ports'],
        [NFTA_SET_ELEM_LIST_ELEMENTS | NLA_F_NESTED, elems.map((p) => element(p, op === 'add'))],
      ])]),
    },
    { type: NFNL_MSG_BATCH_END, flags: NLM_F_REQUEST, body: nfgenmsg(0, NFNL_SUBSYS_NFTABLES) },
  ];
  if (op === 'add') {
    await s.transact(batch(ports));
    return;
  }
  // A batch fails as a whole on its first missing element; delete one by one so the others still go.
  for (const p of ports) await s.transact(batch([p]), { ignore: ['ENOENT'] });
}
