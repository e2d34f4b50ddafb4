/**
 * Persistent network namespaces: an empty file with the namespace bind-mounted on it (as `ip netns add`,
 * but in a directory of ours), so conmon/crun can join it by path and it outlives any process.
 *
 * Creating and entering namespaces happens on a helper thread (NetnsThread): only that thread ever changes
 * namespace, and only for the microseconds it takes to open a netlink socket inside; the daemon's own threads
 * stay where they are. No process is spawned on this path.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { errnoCode, execFile, internal, invalidArgument } from '../lib/index.ts';
import { NETLINK_ROUTE, NetlinkSocket, sys } from './netlink.ts';
import type { NetnsReply, NetnsRequest } from './netns-thread.ts';
import { linkUp } from './rtnl.ts';

export const DEFAULT_NETNS_DIR = '/run/berth/netns';

type Pending = { resolve: (fd: number) => void; reject: (e: Error) => void };

/** The helper thread; started on first use, unref'd while idle so it never keeps the process alive. */
export class NetnsThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Creates a netns bound on `path` (an existing empty file) and returns a netlink socket inside it. */
  create(path: string): Promise<NetlinkSocket> {
    return this.call({ op: 'create', path, protocol: NETLINK_ROUTE });
  }

  /** A netlink socket inside the netns at `path`. */
  socket(path: string, protocol: number = NETLINK_ROUTE): Promise<NetlinkSocket> {
    return this.call({ op: 'socket', path, protocol });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private async call(req: Omit<NetnsRequest, 'id'>): Promise<NetlinkSocket> {
    const w = this.start();
    const id = this.nextId++;
    const fd = await new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ ...req, id } as NetnsRequest);
    });
    return new NetlinkSocket(fd);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./netns-thread.ts', import.meta.url));
    w.unref();
    w.on('message', (r: NetnsReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) w.unref();
      if ('fd' in r) p.resolve(r.fd);
      else p.reject(Object.assign(new Error(r.error.message), { code: r.error.code }));
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(internal(`netns helper thread: ${err.message}`, { cause: err }));
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}

/** Creates (or finds) the netns `<dir>/<name>` with lo up; returns its path. Idempotent. */
export async function createNetns(dir: string, name: string, thread: NetnsThread): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw invalidArgument(`invalid netns name: ${name}`);
  const path = join(dir, name);
  if (await isMountPoint(path)) return path;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(path, '', { mode: 0o444 });
  try {
    const s = await thread.create(path);
    try {
      await linkUp(s, 1);   // lo is always ifindex 1 in a new netns
    } finally {
      s.close();
    }
  } catch (err) {
    await deleteNetns(path);
    throw internal(`creating netns ${path}: ${(err as Error).message}`, { cause: err });
  }
  return path;
}

/** Unmounts and removes the netns file. Idempotent. The namespace itself dies with its last user. */
export async function deleteNetns(path: string): Promise<void> {
  const err = sys.detach(path);   // lazy, as `umount --lazy`; EINVAL = not mounted, ENOENT = no file
  if (err && err !== 'EINVAL' && err !== 'ENOENT') throw internal(`umount ${path}: ${err}`);
  try {
    await rm(path, { force: true });
  } catch (e) {
    if (errnoCode(e) !== 'EBUSY') throw e;
  }
}

/** Runs a command inside the netns at `path`. */
export function execInNetns(path: string, argv: readonly string[], o: { input?: string; allowFailure?: boolean } = {}) {
  return execFile('nsenter', [`--net=${path}`, '--', ...argv], o);
}

/** Whether something (a netns) is mounted on `path`: its device differs from its directory's. */
async function isMountPoint(path: string): Promise<boolean> {
  try {
    const [f, d] = await Promise.all([stat(path), stat(dirname(path))]);
    return f.dev !== d.dev;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

export async function isNsMount(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => {
    const f = l.split(' ');
    return f[4] === path && l.includes(' - nsfs ');
  });
}

/** Every netns file under `dir` (for cleanup). */
export async function listNetnsMounts(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return info.split('\n').map((l) => l.split(' ')).filter((f) => f[4]?.startsWith(prefix) && f.includes('nsfs')).map((f) => f[4]!);
}
