/**
 * Child processes started with posix_spawn instead of libuv's fork. glibc's posix_spawn is vfork + exec: the
 * parent's address space is never copied, whereas a fork of berthd (a large heap) blocks the event loop for
 * 2-5 ms per child. berthd starts several children per container (conmon, crun start/kill/delete), so this is
 * on the hot path of every `docker run`.
 *
 * Semantics follow child_process where Berth relies on them: 'pipe' stdio entries are socketpairs (as libuv's),
 * wrapped in net.Socket; 'exit' then 'close' events; exitCode/signalCode; kill(); unref(). The child starts with
 * every signal at its default disposition and an empty signal mask (Node ignores SIGPIPE, which would
 * otherwise be inherited). Children are reaped by pid with waitpid(WNOHANG) on SIGCHLD; because a SIGCHLD was
 * seen to go by unnoticed now and then, also by a short back-off poll once the child's pipes have closed, and a
 * slow sweep while any child runs.
 */
import koffi from 'koffi';
import { EventEmitter } from 'node:events';
import { accessSync, constants as fsConstants } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';

const libc = koffi.load('libc.so.6');
const c = {
  posixSpawn: libc.func('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
  actionsInit: libc.func('int posix_spawn_file_actions_init(void *actions)'),
  actionsDestroy: libc.func('int posix_spawn_file_actions_destroy(void *actions)'),
  addDup2: libc.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
  addOpen: libc.func('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, uint32_t mode)'),
  addChdir: libc.func('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)'),
  attrInit: libc.func('int posix_spawnattr_init(void *attr)'),
  attrDestroy: libc.func('int posix_spawnattr_destroy(void *attr)'),
  attrSetFlags: libc.func('int posix_spawnattr_setflags(void *attr, short flags)'),
  attrSetSigDefault: libc.func('int posix_spawnattr_setsigdefault(void *attr, void *set)'),
  attrSetSigMask: libc.func('int posix_spawnattr_setsigmask(void *attr, void *set)'),
  sigEmptySet: libc.func('int sigemptyset(void *set)'),
  socketpair: libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
  close: libc.func('int close(int fd)'),
  waitpid: libc.func('int waitpid(int pid, _Out_ int *status, int options)'),
};

// glibc x86_64 sizes (posix_spawn_file_actions_t 80, posix_spawnattr_t 336, sigset_t 128), with headroom.
const ACTIONS_SIZE = 128;
const ATTR_SIZE = 512;
const SIGSET_SIZE = 128;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const O_RDWR = 2;
const WNOHANG = 1;

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));
const signalNames = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([k, v]) => [v, k as NodeJS.Signals]));

export type StdioSpec = 'pipe' | 'ignore';

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A new session (setsid), so the child outlives us and gets no signals meant for our process group. */
  detached?: boolean;
  /** One entry per child fd from 0; default ['pipe', 'pipe', 'pipe']. */
  stdio?: StdioSpec[];
}

export class SpawnedChild extends EventEmitter {
  readonly pid: number;
  /** Our end of each 'pipe' entry, by child fd. */
  readonly stdio: (Socket | null)[];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** Whether waiting for this child keeps the event loop alive (as a ChildProcess until unref()). */
  refed = true;
  private openStreams: number;

  constructor(pid: number, stdio: (Socket | null)[]) {
    super();
    this.pid = pid;
    this.stdio = stdio;
    this.openStreams = stdio.filter(Boolean).length;
    for (const s of stdio) s?.once('close', () => this.streamClosed());
  }

  get stdin(): Socket | null { return this.stdio[0] ?? null; }
  get stdout(): Socket | null { return this.stdio[1] ?? null; }
  get stderr(): Socket | null { return this.stdio[2] ?? null; }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false; // the pid may belong to someone else now
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Lets the event loop end while the child runs (its pipes are unref'd too). */
  unref(): void {
    this.refed = false;
    for (const s of this.stdio) s?.unref();
  }

  /** Called by the reaper with waitpid's status word. */
  reaped(status: number): void {
    const sig = status & 0x7f;
    if (sig === 0) this.exitCode = (status >> 8) & 0xff;
    else this.signalCode = signalNames.get(sig) ?? 'SIGKILL';
    this.emit('exit', this.exitCode, this.signalCode);
    this.maybeClose();
  }

  private streamClosed(): void {
    this.openStreams--;
    if (this.exitCode === null && this.signalCode === null) pollUntilReaped(this);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.openStreams === 0 && (this.exitCode !== null || this.signalCode !== null)) this.emit('close', this.exitCode, this.signalCode);
  }
}

// ------------------------------------------------------------------------------------------------ reaping

const running = new Map<number, SpawnedChild>();
let sigchldInstalled = false;

function tryReap(child: SpawnedChild): boolean {
  if (!running.has(child.pid)) return true;
  const status = [0];
  const r = c.waitpid(child.pid, status, WNOHANG) as number;
  if (r !== child.pid) return false;
  running.delete(child.pid);
  child.reaped(status[0]);
  return true;
}

function sweep(): void {
  for (const child of [...running.values()]) tryReap(child);
  if (running.size === 0 && backstop) {
    clearInterval(backstop);
    backstop = undefined;
  }
}

/** A slow sweep while children run, for those whose pipes outlive them (conmon daemonises) and whose SIGCHLD went by. */
let backstop: NodeJS.Timeout | undefined;
function ensureBackstop(): void {
  backstop ??= setInterval(sweep, 250).unref();
}

/** A child whose pipes closed is exiting: poll for it at 1, 2, 4 ... 64 ms in case its SIGCHLD went by. */
function pollUntilReaped(child: SpawnedChild, delay = 1): void {
  if (tryReap(child)) return;
  const timer = setTimeout(() => pollUntilReaped(child, Math.min(delay * 2, 64)), delay);
  if (!child.refed) timer.unref();
}

// ------------------------------------------------------------------------------------------------ spawn

function socketPair(): [number, number] {
  const sv = [0, 0];
  if (c.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !== 0) throw errnoError('socketpair', koffi.errno());
  return [sv[0], sv[1]];
}

function errnoError(op: string, errno: number, path?: string): NodeJS.ErrnoException {
  const code = errnoNames.get(errno) ?? `E${errno}`;
  const err = new Error(`${op}${path ? ` ${path}` : ''}: ${code}`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = -errno;
  if (path) err.path = path;
  return err;
}

function envList(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/**
 * Starts `file` (an absolute path, or a name looked up in PATH) with argv [file, ...args]. Throws an
 * ErrnoException (e.g. ENOENT) when the program cannot be executed; nothing is left open then.
 */
export function spawnChild(file: string, args: readonly string[], o: SpawnOptions = {}): SpawnedChild {
  const env = o.env ?? process.env;
  const path = file.includes('/') ? file : resolveInPath(file, env.PATH ?? process.env.PATH ?? '');
  const stdio = o.stdio ?? ['pipe', 'pipe', 'pipe'];
  const actions = Buffer.alloc(ACTIONS_SIZE);
  const attr = Buffer.alloc(ATTR_SIZE);
  const allSignals = Buffer.alloc(SIGSET_SIZE);
  const noSignals = Buffer.alloc(SIGSET_SIZE);
  const ours: (number | null)[] = [];
  const theirs: number[] = [];
  c.actionsInit(actions);
  c.attrInit(attr);
  try {
    stdio.forEach((spec, fd) => {
      if (spec === 'ignore') {
        c.addOpen(actions, fd, '/dev/null', O_RDWR, 0);
        ours.push(null);
        return;
      }
      const [parentEnd, childEnd] = socketPair();
      ours.push(parentEnd);
      theirs.push(childEnd);
      c.addDup2(actions, childEnd, fd); // dup2 clears CLOEXEC on the child's copy
    });
    if (o.cwd) c.addChdir(actions, o.cwd);
    // Every bit set by hand: sigfillset leaves out glibc's internal signals 32 and 33, which posix_spawn would
    // then set to SIG_IGN in the child, an ignore that survives exec into conmon, crun and the container.
    allSignals.fill(0xff);
    c.sigEmptySet(noSignals);
    c.attrSetSigDefault(attr, allSignals);
    c.attrSetSigMask(attr, noSignals);
    c.attrSetFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (o.detached ? POSIX_SPAWN_SETSID : 0));
    const pid = [0];
    const rc = c.posixSpawn(pid, path, actions, attr, [file, ...args, null], [...envList(env), null]) as number;
    if (rc !== 0) throw errnoError(`spawn ${file}`, rc, path);
    const child = new SpawnedChild(pid[0], ours.map((fd) => (fd === null ? null : new Socket({ fd, readable: true, writable: true }))));
    ours.length = 0; // now owned by the sockets
    running.set(child.pid, child);
    ensureBackstop();
    if (!sigchldInstalled) {
      sigchldInstalled = true;
      process.on('SIGCHLD', sweep);
    }
    return child;
  } finally {
    for (const fd of theirs) c.close(fd);
    for (const fd of ours) if (fd !== null) c.close(fd);
    c.actionsDestroy(actions);
    c.attrDestroy(attr);
  }
}

function resolveInPath(name: string, pathVar: string): string {
  for (const dir of pathVar.split(':')) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return name; // posix_spawn then fails with ENOENT
}
