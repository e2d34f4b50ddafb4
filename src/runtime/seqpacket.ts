/**
 * Client side of an AF_UNIX SOCK_SEQPACKET socket (conmon's attach socket). Node cannot create these, and
 * `new net.Socket({ fd })` rejects them (libuv guesses "UNKNOWN" for SEQPACKET). So: socket(2)/connect(2)
 * through koffi, then the fd goes into a libuv pipe handle (uv_pipe_open does not check the socket type) wrapped
 * by net.Socket. Each read(2) of a SEQPACKET socket returns exactly one packet, so each 'data' chunk is one
 * conmon packet; each write is one packet; end() is shutdown(SHUT_WR).
 */
import koffi from 'koffi';
import { closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, basename } from 'node:path';
import { EngineError } from '../lib/errdefs.ts';

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;
const SUN_PATH_MAX = 107;

interface Libc {
  socket: (domain: number, type: number, proto: number) => number;
  connect: (fd: number, addr: Buffer, len: number) => number;
  close: (fd: number) => number;
  strerror: (errnum: number) => string;
}

let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    socket: lib.func('int socket(int, int, int)'),
    connect: lib.func('int connect(int, const void *, uint32_t)'),
    close: lib.func('int close(int)'),
    strerror: lib.func('const char *strerror(int)'),
  };
  return libc;
}

interface PipeHandleCtor { new (type: number): { open(fd: number): number } }
interface PipeWrap { Pipe: PipeHandleCtor; constants: { SOCKET: number } }

function pipeWrap(): PipeWrap {
  // process.binding('pipe_wrap') is on Node's allow-list; it is the only public way to hand an arbitrary
  // stream-socket-like fd to libuv.
  return (process as unknown as { binding(name: string): PipeWrap }).binding('pipe_wrap');
}

function errnoError(op: string, path: string): EngineError {
  const c = loadLibc();
  const errno = koffi.errno();
  const code = errno === 2 ? 'not-found' : errno === 111 ? 'unavailable' : 'internal';
  return new EngineError(code, `${op} ${path}: ${c.strerror(errno)}`);
}

/** Connect to a SOCK_SEQPACKET unix socket; long paths go through /proc/self/fd/<dirfd>/<name>. */
export function connectSeqpacket(path: string): Socket {
  const c = loadLibc();
  let dirFd = -1;
  let sunPath = path;
  if (Buffer.byteLength(path) > SUN_PATH_MAX) {
    dirFd = openSync(dirname(path), 'r');
    sunPath = `/proc/self/fd/${dirFd}/${basename(path)}`;
  }
  const fd = c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  try {
    if (fd < 0) throw errnoError('socket', path);
    const addr = Buffer.alloc(110);
    addr.writeUInt16LE(AF_UNIX, 0);
    addr.write(sunPath, 2, 'utf8');
    if (c.connect(fd, addr, 2 + Buffer.byteLength(sunPath) + 1) !== 0) throw errnoError('connect', path);
  } catch (err) {
    if (fd >= 0) c.close(fd);
    throw err;
  } finally {
    if (dirFd >= 0) closeSync(dirFd);
  }
  const { Pipe, constants } = pipeWrap();
  const handle = new Pipe(constants.SOCKET);
  const rc = handle.open(fd);
  if (rc !== 0) { c.close(fd); throw new EngineError('internal', `uv_pipe_open on attach socket failed: ${rc}`); }
  return new Socket({ handle, readable: true, writable: true } as unknown as ConstructorParameters<typeof Socket>[0]);
}
