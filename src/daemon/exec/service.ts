/** Exec sessions: `docker exec` create/start/inspect/resize, run by the OCI runtime under conmon. */
import type { Duplex } from 'node:stream';
import { conflict, invalidArgument, newId, notFound, type Logger } from '../../lib/index.ts';
import { ProcessStartError, resolveUser, type ExecSession } from '../../runtime/index.ts';
import type { ExecConfig } from '../../api/types/index.ts';
import type { ContainerService } from '../containers/service.ts';
import { mergeEnv } from '../containers/config-merge.ts';
import { bridge } from '../stream-bridge.ts';

interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  session?: ExecSession;
  started: boolean;
}

export class ExecService {
  private readonly execs = new Map<string, ExecRecord>();
  private readonly containers: ContainerService;
  private readonly log: Logger;

  constructor(o: { containers: ContainerService; log: Logger }) {
    this.containers = o.containers;
    this.log = o.log;
  }

  create(ref: string, config: ExecConfig | undefined): { Id: string } {
    const rec = this.containers.store.get(ref);
    if (!config || !Array.isArray(config.Cmd) || config.Cmd.length === 0) throw invalidArgument('No exec command specified');
    if (rec.state.Status === 'paused') throw conflict(`container ${rec.id} is paused, unpause the container before exec`);
    if (rec.state.Status !== 'running') throw conflict(`container ${rec.id} is not running`);
    const id = newId();
    this.execs.set(id, { id, containerId: rec.id, config, running: false, exitCode: null, pid: 0, started: false });
    this.containers.emit(rec, `exec_create: ${config.Cmd.join(' ')}`, { execID: id });
    // Exec records are dropped a while after they finish, as dockerd does with its exec store.
    this.gc();
    return { Id: id };
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  /** Validates before the connection is hijacked. */
  prepareStart(id: string): ExecRecord {
    const e = this.get(id);
    if (e.started) throw conflict(`Exec command ${id} has already run`);
    const rec = this.containers.store.get(e.containerId);
    if (rec.state.Status !== 'running') throw conflict(`container ${rec.id} is not running`);
    return e;
  }

  /** Starts the exec; with a client connection, streams until the process ends. */
  async start(id: string, o: { detach: boolean; tty?: boolean; client?: Duplex }): Promise<void> {
    const e = this.prepareStart(id);
    e.started = true;
    const rec = this.containers.store.get(e.containerId);
    const paths = this.containers.store.paths(rec.id);
    const c = e.config;
    const user = await resolveUser(paths.rootfs, c.User || rec.config.User || '');
    const tty = o.tty ?? !!c.Tty;
    const attach = !o.detach && !!o.client;
    let env = mergeEnv(rec.config.Env ?? [], c.Env ?? []);
    if (tty && !env.some((v) => v.startsWith('TERM='))) env = [...env, 'TERM=xterm'];
    if (!env.some((v) => v.startsWith('HOME='))) env = [...env, `HOME=${user.home || '/'}`];
    let session: ExecSession;
    try {
      session = await this.containers.runtimeOf(rec).exec(rec.id, paths.bundle, {
        args: c.Cmd!, env, cwd: c.WorkingDir || rec.config.WorkingDir || '/',
        user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
        terminal: tty, attachStdin: attach && !!c.AttachStdin, attach, privileged: !!c.Privileged,
      });
    } catch (err) {
      e.exitCode = err instanceof ProcessStartError ? err.exitCode : 126;
      throw err;
    }
    e.session = session;
    e.pid = session.pid;
    e.running = true;
    this.containers.emit(rec, `exec_start: ${c.Cmd!.join(' ')}`, { execID: id });
    const exited = session.exitCode.then((code) => {
      e.running = false;
      e.exitCode = code;
      this.containers.emit(rec, 'exec_die', { execID: id, exitCode: String(code) });
      return code;
    }, (err) => {
      e.running = false;
      e.exitCode = 126;
      this.log.warn('exec failed', { id, err });
      return 126;
    });
    if (attach && session.streams && o.client) {
      // The CLI inspects the exec as soon as the stream closes, so the exit code must be known by then.
      await bridge(session.streams, o.client, {
        tty, stdin: !!c.AttachStdin, stdout: c.AttachStdout !== false, stderr: c.AttachStderr !== false, detachKeys: c.DetachKeys,
        beforeEnd: exited,
      });
    }
  }

  async resize(id: string, size: { height: number; width: number }): Promise<void> {
    const e = this.get(id);
    if (!e.session) throw conflict(`Exec ${id} is not running`);
    await e.session.resize(size.height, size.width);
  }

  inspect(id: string) {
    const e = this.get(id);
    const c = e.config;
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: {
        tty: !!c.Tty, entrypoint: c.Cmd?.[0] ?? '', arguments: c.Cmd?.slice(1) ?? [], privileged: !!c.Privileged,
        ...(c.User ? { user: c.User } : {}),
      },
      OpenStdin: !!c.AttachStdin,
      OpenStderr: !!c.AttachStderr,
      OpenStdout: !!c.AttachStdout,
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: c.DetachKeys ?? '',
      Pid: e.pid,
    };
  }

  private gc(): void {
    if (this.execs.size < 1000) return;
    for (const [id, e] of this.execs) if (e.started && !e.running) this.execs.delete(id);
  }
}
