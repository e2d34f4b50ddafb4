/**
 * A minimal netlink client over libc (koffi): build messages with attributes, send one, read the
 * kernel's ack or replies. Used for rtnetlink (links, addresses, routes) and nf_tables set elements, so the
 * per-container path spawns no `ip`/`nft` process. Changes are sent from the libuv pool (see transact);
 * lookups are synchronous and take microseconds. The socket has a receive timeout so a lost answer can never
 * hang the daemon.
 */
import koffi from 'koffi';
import { constants } from 'node:os';

const libc = koffi.load('libc.so.6');
const c = {
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, const uint8_t *val, uint32_t len)'),
  send: libc.func('intptr_t send(int fd, const uint8_t *buf, size_t len, int flags)'),
  recv: libc.func('intptr_t recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)'),
  close: libc.func('int close(int fd)'),
  open: libc.func('int open(const char *path, int flags)'),
  setns: libc.func('int setns(int fd, int nstype)'),
  unshare: libc.func('int unshare(int flags)'),
  mount: libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
  umount2: libc.func('int umount2(const char *target, int flags)'),
};

export const NETLINK_ROUTE = 0;
export const NETLINK_NETFILTER = 12;
export const CLONE_NEWNET = 0x40000000;
export const NLM_F_REQUEST = 1;
export const NLM_F_MULTI = 2;
export const NLM_F_ACK = 4;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

export class SyscallError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(op: string, errno: number, detail?: string) {
    const code = errnoNames.get(errno) ?? `E${errno}`;
    super(`${op}: ${code}${detail ? ` (${detail})` : ''}`);
    this.code = code;
    this.errno = errno;
  }
}

function check(rc: number | bigint, op: string): number {
  if (Number(rc) >= 0) return Number(rc);
  throw new SyscallError(op, koffi.errno());
}

export const sys = {
  openRead: (path: string): number => check(c.open(path, 0o2000000 /* O_RDONLY|O_CLOEXEC */), `open ${path}`),
  close: (fd: number): void => void c.close(fd),
  setns: (fd: number, type: number): void => void check(c.setns(fd, type), 'setns'),
  unshare: (flags: number): void => void check(c.unshare(flags), 'unshare'),
  bindMount: (src: string, target: string): void => void check(c.mount(src, target, null, 4096 /* MS_BIND */, null), `mount ${target}`),
  /** umount2(MNT_DETACH); returns the errno name instead of throwing (EINVAL: not a mount point, ENOENT). */
  detach: (target: string): string | undefined => (Number(c.umount2(target, 2)) < 0 ? errnoNames.get(koffi.errno()) ?? 'EIO' : undefined),
};

/** Attribute tree: [type, payload] where payload is bytes, a string (NUL-terminated), or nested attributes. */
export type Attr = [type: number, value: Uint8Array | string | Attr[]];
export const NLA_F_NESTED = 0x8000;

export function u8(v: number): Uint8Array { return Uint8Array.of(v); }
export function u32(v: number): Uint8Array { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; }
export function be32(v: number): Uint8Array { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; }
export function be16(v: number): Uint8Array { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; }
export function ipv4Bytes(ip: string): Uint8Array { return Uint8Array.from(ip.split('.').map(Number)); }
export function macBytes(mac: string): Uint8Array { return Uint8Array.from(mac.split(':').map((h) => parseInt(h, 16))); }

const align4 = (n: number) => (n + 3) & ~3;

export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const parts: Buffer[] = [];
  for (const [type, value] of attrs) {
    const payload = typeof value === 'string' ? Buffer.from(value + '\0') : Array.isArray(value) ? encodeAttrs(value) : Buffer.from(value);
    const hdr = Buffer.alloc(4);
    hdr.writeUInt16LE(4 + payload.length, 0);
    hdr.writeUInt16LE(type, 2);
    parts.push(hdr, payload, Buffer.alloc(align4(payload.length) - payload.length));
  }
  return Buffer.concat(parts);
}

/** Parses a flat run of attributes (payloads are views into `b`). */
export function decodeAttrs(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let off = 0; off + 4 <= b.length;) {
    const len = b.readUInt16LE(off);
    if (len < 4) break;
    out.set(b.readUInt16LE(off + 2) & 0x3fff, b.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

export interface NlMessage { type: number; flags: number; body: Uint8Array }

const recvBuf = Buffer.alloc(65536);

/**
 * A netlink socket (in the netns of the thread that created it). Use one per operation: acks are matched by
 * sequence number within a call, so two overlapping transacts on one socket would read each other's answers.
 */
export class NetlinkSocket implements Disposable {
  readonly fd: number;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private closed = false;

  /** Opens a socket in the caller's current netns. */
  static open(protocol: number): NetlinkSocket {
    return new NetlinkSocket(openNetlinkFd(protocol));
  }

  constructor(fd: number) {
    this.fd = fd;
  }

  /**
   * Sends messages as one datagram (nf_tables batches) and waits for the ack of each that asked for one.
   * Throws on the first error; `ignore` lists errno names that count as success (EEXIST, ENOENT...).
   */
  async transact(msgs: readonly NlMessage[], o: { ignore?: readonly string[] } = {}): Promise<void> {
    const seqs: number[] = [];
    const bufs = msgs.map((m) => {
      const seq = (this.seq = (this.seq + 1) & 0x7fffffff);
      if (m.flags & NLM_F_ACK) seqs.push(seq);
      return header(m, seq);
    });
    // The kernel does the work inside send() (deleting a veth can wait ~30 ms for the device to unregister),
    // so send runs on the libuv pool; the acks are queued by the time it returns and recv does not block.
    await this.sendAsync(Buffer.concat(bufs));
    const waiting = new Set(seqs);
    const sent = new Set(bufs.map((b) => b.readUInt32LE(8)));
    let failure: SyscallError | undefined;
    while (waiting.size) {
      for (const r of this.recvOnce()) {
        if (r.type !== NLMSG_ERROR || !sent.has(r.seq)) continue;
        waiting.delete(r.seq);
        const err = -r.body.readInt32LE(0);
        if (err === 0) continue;
        const e = new SyscallError('netlink', err, extAckMessage(r));
        if (o.ignore?.includes(e.code)) continue;
        // An error on a message that asked for no ack (an nf_tables batch header) ends the exchange too.
        failure ??= e;
        waiting.clear();
      }
    }
    if (failure) throw failure;
  }

  /** One request whose replies are data messages (a get or a dump); returns their bodies. */
  request(m: NlMessage): { type: number; body: Buffer }[] {
    const seq = (this.seq = (this.seq + 1) & 0x7fffffff);
    this.sendAll(header({ ...m, flags: m.flags | NLM_F_ACK }, seq));
    const out: { type: number; body: Buffer }[] = [];
    for (;;) {
      for (const r of this.recvOnce()) {
        if (r.seq !== seq) continue;
        if (r.type === NLMSG_DONE) return out;
        if (r.type === NLMSG_ERROR) {
          const err = -r.body.readInt32LE(0);
          if (err !== 0) throw new SyscallError('netlink', err, extAckMessage(r));
          return out;
        }
        out.push({ type: r.type, body: Buffer.from(r.body) });
      }
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    c.close(this.fd);
  }

  private sendAsync(b: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      c.send.async(this.fd, b, b.length, 0, (err: unknown, n: number | bigint) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (Number(n) !== b.length) reject(new Error(`netlink send failed (${Number(n)} of ${b.length} bytes)`));
        else resolve();
      });
    });
  }

  private sendAll(b: Buffer): void {
    const n = check(c.send(this.fd, b, b.length, 0), 'netlink send');
    if (n !== b.length) throw new Error(`netlink send: short write ${n}/${b.length}`);
  }

  private recvOnce(): { type: number; flags: number; seq: number; body: Buffer }[] {
    const n = check(c.recv(this.fd, recvBuf, recvBuf.length, 0), 'netlink recv');
    const out: { type: number; flags: number; seq: number; body: Buffer }[] = [];
    for (let off = 0; off + 16 <= n;) {
      const len = recvBuf.readUInt32LE(off);
      if (len < 16) break;
      out.push({ type: recvBuf.readUInt16LE(off + 4), flags: recvBuf.readUInt16LE(off + 6), seq: recvBuf.readUInt32LE(off + 8),
        body: recvBuf.subarray(off + 16, off + len) });
      off += align4(len);
    }
    return out;
  }
}

/** socket(AF_NETLINK) with extended acks, capped acks and a 5 s receive timeout. */
export function openNetlinkFd(protocol: number): number {
  const fd = check(c.socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | 0o2000000 /* SOCK_CLOEXEC */, protocol), 'socket(AF_NETLINK)');
  const one = u32(1);
  c.setsockopt(fd, 270 /* SOL_NETLINK */, 11 /* NETLINK_EXT_ACK */, one, 4);
  c.setsockopt(fd, 270, 10 /* NETLINK_CAP_ACK */, one, 4);
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(5n, 0);
  c.setsockopt(fd, 1 /* SOL_SOCKET */, 20 /* SO_RCVTIMEO */, tv, 16);
  return fd;
}

function header(m: NlMessage, seq: number): Buffer {
  const h = Buffer.alloc(16);
  const len = 16 + m.body.length;
  h.writeUInt32LE(len, 0);
  h.writeUInt16LE(m.type, 4);
  h.writeUInt16LE(m.flags, 6);
  h.writeUInt32LE(seq, 8);
  return Buffer.concat([h, m.body, Buffer.alloc(align4(len) - len)]);
}

function extAckMessage(r: { flags: number; body: Buffer }): string | undefined {
  if (!(r.flags & NLM_F_ACK_TLVS)) return undefined;
  // nlmsgerr = error (4) + the request's header (16) [+ its payload unless capped], then TLVs.
  const reqLen = r.body.length >= 8 ? r.body.readUInt32LE(4) : 0;
  const off = 4 + (r.flags & NLM_F_CAPPED ? 16 : align4(reqLen));
  const msg = decodeAttrs(r.body.subarray(off)).get(1 /* NLMSGERR_ATTR_MSG */);
  return msg ? msg.toString('utf8').replace(/\0.*$/s, '') : undefined;
}
