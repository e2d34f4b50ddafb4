/**
 * ConmonRuntime: containers run under conmon (which holds stdio, writes the k8s-file log and the exit file,
 * and serves the attach socket); the OCI runtime CLI does the rest. Stateless: all state lives in the paths
 * the caller passes (bundle dir, exit dir, log path) and in the runtime's --root, so a restarted daemon finds
 * everything again.
 *
 * Files in a bundle dir: config.json, attach (socket), ctl + winsz (fifos), container.pid, conmon.pid,
 * runtime.log (crun/runc JSON log). Exec sessions live in <bundle>/exec/<session>/ with the same names plus
 * process.json and the exit file <session dir>/<container id>.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from '../lib/atomic-fs.ts';
import { EngineError, conflict, errnoCode, internal, notFound } from '../lib/errdefs.ts';
import { spawnChild, type SpawnedChild, type StdioSpec } from '../lib/spawn.ts';
import { connectAttach, type AttachStreams } from './attach.ts';
import { buildConmonArgs } from './conmon-args.ts';
import { readExitFile } from './exit-file.ts';
import { OciCli, type OciState, type RuntimeName } from './oci-cli.ts';
import { seccompBpfBase64 } from './spec/seccomp-bpf.ts';
import { lastRuntimeError, startError } from './runtime-errors.ts';
import { allCapabilities } from './spec/capabilities.ts';
import type { OciProcess, OciSpec } from './spec/oci-spec.ts';
import { PipeReader } from './sync-pipe.ts';

export interface RuntimeOptions { runtime: RuntimeName; runtimePath?: string; conmonPath?: string; root: string }

export interface CreateContainer {
  id: string; bundleDir: string; spec: OciSpec; logPath: string; exitDir: string;
  terminal: boolean; openStdin: boolean; stdinOnce?: boolean;
}

export interface ExecProcess {
  args: string[]; env: string[]; cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean; attachStdin: boolean; attach: boolean; privileged?: boolean;
}

export interface ExecSession {
  id: string;
  pid: number;
  streams: AttachStreams | null;
  exitCode: Promise<number>;
  resize(h: number, w: number): Promise<void>;
}

/** Fds of the conmon child: 3 sync pipe, 4 start pipe, 5 attach pipe (exec). */
const SYNC_FD = 3;
const START_FD = 4;
const ATTACH_FD = 5;

export const bundleFiles = {
  config: (dir: string) => join(dir, 'config.json'),
  attach: (dir: string) => join(dir, 'attach'),
  ctl: (dir: string) => join(dir, 'ctl'),
  winsz: (dir: string) => join(dir, 'winsz'),
  containerPid: (dir: string) => join(dir, 'container.pid'),
  conmonPid: (dir: string) => join(dir, 'conmon.pid'),
  runtimeLog: (dir: string) => join(dir, 'runtime.log'),
  execDir: (dir: string, session: string) => join(dir, 'exec', session),
} as const;

export class ConmonRuntime {
  readonly cli: OciCli;
  readonly conmonPath: string;
  readonly runtimePath: string;
  private readonly runtime: RuntimeName;

  constructor(o: RuntimeOptions) {
    this.cli = new OciCli(o);
    this.runtime = o.runtime;
    this.runtimePath = this.cli.path;
    this.conmonPath = o.conmonPath ?? '/usr/bin/conmon';
  }

  /** crun takes a precompiled seccomp filter (saves its per-start compilation); runc reads the seccomp section. */
  private withPrecompiledSeccomp(spec: OciSpec): OciSpec {
    const seccomp = spec.linux?.seccomp;
    if (this.runtime !== 'crun' || !seccomp) return spec;
    const bpf = seccompBpfBase64(seccomp);
    return bpf ? { ...spec, annotations: { ...(spec.annotations ?? {}), 'run.oci.seccomp_bpf_data': bpf } } : spec;
  }

  async create(c: CreateContainer, o: { signal?: AbortSignal } = {}): Promise<{ pid: number; conmonPid: number }> {
    o.signal?.throwIfAborted();
    const dir = c.bundleDir;
    await mkdir(dir, { recursive: true });
    await mkdir(c.exitDir, { recursive: true });
    await mkdir(dirname(c.logPath), { recursive: true });
    await mkdir(this.cli.root, { recursive: true });
    // Leftovers of a previous run of the same container would confuse conmon or our readers.
    await Promise.all([
      join(c.exitDir, c.id), bundleFiles.ctl(dir), bundleFiles.winsz(dir), bundleFiles.runtimeLog(dir),
      bundleFiles.containerPid(dir), bundleFiles.conmonPid(dir),
    ].map((p) => rm(p, { force: true })));
    await writeJsonAtomic(bundleFiles.config(dir), this.withPrecompiledSeccomp(c.spec), { fsync: false });

    const args = buildConmonArgs({
      runtimePath: this.runtimePath, runtimeArgs: this.cli.globalArgs(), id: c.id, sessionId: c.id, bundleDir: dir,
      containerPidFile: bundleFiles.containerPid(dir), conmonPidFile: bundleFiles.conmonPid(dir), exitDir: c.exitDir,
      logPath: c.logPath, runtimeLogPath: bundleFiles.runtimeLog(dir), terminal: c.terminal, stdin: c.openStdin,
      leaveStdinOpen: c.openStdin && !c.stdinOnce,
    });
    const child = this.spawnConmon(args, dir, false);
    const sync = new PipeReader(child.stdio[SYNC_FD]!);
    try {
      child.stdio[START_FD]!.end('0');
      const msg = await sync.next(o.signal);
      if (!msg || msg.data < 0) {
        const why = msg?.message || (await lastRuntimeError(bundleFiles.runtimeLog(dir))) || (await conmonStderr(child)) || 'conmon exited without reporting a pid';
        throw startError('create', why);
      }
      const conmonPid = Number.parseInt(await readFile(bundleFiles.conmonPid(dir), 'utf8'), 10);
      return { pid: msg.data, conmonPid };
    } catch (err) {
      // Cleanup never takes the caller's signal.
      await this.cli.delete(c.id, { force: true }).catch(() => {});
      throw err;
    } finally {
      sync.destroy();
      releaseChild(child);
    }
  }

  async start(id: string): Promise<void> {
    try { await this.cli.start(id); } catch (err) {
      if (err instanceof EngineError && err.kind === 'internal') throw startError('start', err.message.replace(/^start \S+: /, ''));
      throw err;
    }
  }

  kill(id: string, signal: string | number, o: { all?: boolean } = {}): Promise<void> { return this.cli.kill(id, signal, o); }
  state(id: string): Promise<OciState | undefined> { return this.cli.state(id); }
  delete(id: string, o: { force?: boolean } = {}): Promise<void> { return this.cli.delete(id, o); }
  list(): Promise<string[]> { return this.cli.list(); }

  /** New cgroup limits for a running container, written next to its bundle for the runtime to read. */
  async update(id: string, bundleDir: string, resources: object): Promise<void> {
    const file = join(bundleDir, 'resources.json');
    await writeJsonAtomic(file, resources, { fsync: false });
    await this.cli.update(id, file);
  }
  pause(id: string): Promise<void> { return this.cli.pause(id); }
  resume(id: string): Promise<void> { return this.cli.resume(id); }
  top(id: string): Promise<number[]> { return this.cli.ps(id); }

  /** Connect to the container's attach socket: works before start and from a restarted daemon. */
  async attach(bundleDir: string, o: { stdin: boolean }): Promise<AttachStreams> {
    try {
      return connectAttach(bundleFiles.attach(bundleDir), o);
    } catch (err) {
      const kind = (err as EngineError).kind;
      if (kind === 'not-found' || kind === 'unavailable') throw conflict(`cannot attach: container monitor is not running (${(err as Error).message})`, { cause: err });
      throw err;
    }
  }

  /** Resize the container's (or exec session's) tty through conmon's ctl fifo. */
  async resize(bundleDir: string, size: { height: number; width: number }): Promise<void> {
    await writeCtl(bundleDir, `1 ${Math.trunc(size.height)} ${Math.trunc(size.width)}\n`);
  }

  /** Makes conmon reopen its log file (after the daemon renamed it for rotation). */
  async reopenLogs(bundleDir: string): Promise<void> {
    await writeCtl(bundleDir, '2 0 0\n');
  }

  async exec(id: string, bundleDir: string, p: ExecProcess, o: { signal?: AbortSignal } = {}): Promise<ExecSession> {
    o.signal?.throwIfAborted();
    const session = randomBytes(8).toString('hex');
    const dir = bundleFiles.execDir(bundleDir, session);
    await mkdir(dir, { recursive: true });
    const processSpec = join(dir, 'process.json');
    await writeJsonAtomic(processSpec, await this.execProcessSpec(bundleDir, p), { fsync: false });

    const attach = p.attach || p.attachStdin;
    const args = buildConmonArgs({
      runtimePath: this.runtimePath, runtimeArgs: this.cli.globalArgs(), id, sessionId: session, bundleDir: dir,
      containerPidFile: bundleFiles.containerPid(dir), conmonPidFile: bundleFiles.conmonPid(dir), exitDir: dir,
      runtimeLogPath: bundleFiles.runtimeLog(dir), terminal: p.terminal, stdin: p.attachStdin, leaveStdinOpen: false,
      exec: { processSpec, attach },
    });
    const child = this.spawnConmon(args, dir, attach);
    const sync = new PipeReader(child.stdio[SYNC_FD]!);
    const start = child.stdio[START_FD]!;
    let streams: AttachStreams | null = null;
    const fail = async (why?: string) => {
      const msg = why || (await lastRuntimeError(bundleFiles.runtimeLog(dir))) || (await conmonStderr(child)) || 'conmon exited without reporting a pid';
      return startError('exec', msg);
    };
    try {
      start.write('0');                        // conmon's first read: it may proceed
      if (attach) {
        const attachPipe = new PipeReader(child.stdio[ATTACH_FD]!);
        const ready = await attachPipe.next(o.signal);
        attachPipe.destroy();
        if (!ready || ready.data < 0) throw await fail(ready?.message);
        // Connect before the process starts so no output is lost, then let the runtime exec it.
        streams = connectAttach(bundleFiles.attach(dir), { stdin: p.attachStdin });
        start.end('0');
      } else {
        start.end();
      }
      const msg = await sync.next(o.signal);
      if (!msg || msg.data < 0) throw await fail(msg?.message);
      const pid = msg.data;
      const exitCode = (async () => {
        try {
          const m = await sync.next();
          if (m && m.data >= 0) return m.data;
          const fromFile = await readExitFile(dir, id);
          if (fromFile !== undefined) return fromFile;
          throw internal(`exec session ${session}: ${m?.message ?? 'conmon exited without an exit code'}`);
        } finally {
          sync.destroy();
          releaseChild(child);
          // the session dir is ours alone; keep nothing once the exit code is known
          await rm(dir, { recursive: true, force: true }).catch(() => {});
        }
      })();
      exitCode.catch(() => {});
      return { id: session, pid, streams, exitCode, resize: (h, w) => writeCtl(dir, `1 ${Math.trunc(h)} ${Math.trunc(w)}\n`) };
    } catch (err) {
      streams?.close();
      sync.destroy();
      releaseChild(child);
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
  }

  /** The exec's OCI process: the container's capabilities and no_new_privs, or all caps with --privileged. */
  private async execProcessSpec(bundleDir: string, p: ExecProcess): Promise<OciProcess> {
    let base: OciSpec | undefined;
    try { base = JSON.parse(await readFile(bundleFiles.config(bundleDir), 'utf8')) as OciSpec; } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(`container bundle ${bundleDir} has no config.json`);
      throw err;
    }
    const all = allCapabilities();
    const caps = p.privileged ? { bounding: all, effective: all, permitted: all } : base.process.capabilities;
    const proc: OciProcess = {
      terminal: p.terminal,
      user: { uid: p.user.uid, gid: p.user.gid, additionalGids: [...p.user.additionalGids] },
      args: p.args, env: p.env, cwd: p.cwd || '/',
      noNewPrivileges: base.process.noNewPrivileges ?? false,
    };
    if (caps) proc.capabilities = caps;
    if (base.process.rlimits) proc.rlimits = base.process.rlimits;
    if (base.process.apparmorProfile) proc.apparmorProfile = base.process.apparmorProfile;
    return proc;
  }

  private spawnConmon(args: string[], cwd: string, attachPipe: boolean): SpawnedChild {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      _OCI_SYNCPIPE: String(SYNC_FD),
      _OCI_STARTPIPE: String(START_FD),
    };
    if (attachPipe) env._OCI_ATTACHPIPE = String(ATTACH_FD);
    // detached: conmon gets its own session and outlives berthd; it double-forks, so this child exits at once.
    const stdio: StdioSpec[] = ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', ...(attachPipe ? ['pipe' as const] : [])];
    let child: SpawnedChild;
    try {
      child = spawnChild(this.conmonPath, args, { cwd, env, detached: true, stdio });
    } catch (err) {
      throw internal(`conmon: ${(err as Error).message}`);
    }
    const errText: Buffer[] = [];
    conmonStderrText.set(child, errText);
    child.stderr!.on('data', (b: Buffer) => { if (errText.length < 64) errText.push(b); });
    // conmon closes its pipe ends whenever it likes (e.g. the start pipe after reading it): never crash on that.
    for (const s of child.stdio) s?.on('error', () => {});
    return child;
  }
}

/** conmon's own complaints (before it daemonises it still writes to stderr), collected by spawnConmon. */
const conmonStderrText = new WeakMap<SpawnedChild, Buffer[]>();

async function conmonStderr(child: SpawnedChild): Promise<string | undefined> {
  if (child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((r) => { const t = setTimeout(r, 200); child.once('exit', () => { clearTimeout(t); r(); }); });
  }
  const text = Buffer.concat(conmonStderrText.get(child) ?? []).toString().trim();
  return text ? text.split('\n').slice(-3).join('\n') : undefined;
}

function releaseChild(child: SpawnedChild): void {
  for (const s of child.stdio) s?.destroy();
  child.unref();
}

async function writeCtl(dir: string, line: string): Promise<void> {
  let fh;
  try {
    // O_NONBLOCK: fail with ENXIO instead of hanging when conmon (the reader) is gone.
    fh = await open(bundleFiles.ctl(dir), fsc.O_WRONLY | fsc.O_NONBLOCK);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENXIO') throw conflict('cannot resize: the container monitor is not running', { cause: err });
    throw err;
  }
  try { await fh.write(line); } finally { await fh.close(); }
}

