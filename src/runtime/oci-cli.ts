/**
 * crun/runc command-line wrapper for the verbs that conmon does not run for us (start, kill, state, delete,
 * pause, resume, ps). Stateless: every call names the container id and the runtime's --root.
 */
import { execFile } from '../lib/exec.ts';
import { EngineError, conflict, notFound } from '../lib/errdefs.ts';

export type RuntimeName = 'crun' | 'runc';

export interface OciState { status: 'created' | 'running' | 'paused' | 'stopped'; pid: number }

const NOT_EXIST = /does not exist|not found|no such file or directory/i;

export class OciCli {
  readonly path: string;
  readonly root: string;
  constructor(o: { runtime: RuntimeName; runtimePath?: string; root: string }) {
    this.path = o.runtimePath ?? `/usr/bin/${o.runtime}`;
    this.root = o.root;
  }

  /** Global flags every invocation gets (conmon receives the same through --runtime-arg). */
  globalArgs(): string[] {
    return ['--root', this.root];
  }

  async run(args: string[], o: { signal?: AbortSignal; allowFailure?: boolean } = {}) {
    return execFile(this.path, [...this.globalArgs(), ...args], { signal: o.signal, allowFailure: o.allowFailure });
  }

  /** Run a verb on an existing container; "does not exist" becomes not-found. */
  private async verb(id: string, args: string[]): Promise<string> {
    const r = await this.run(args, { allowFailure: true });
    if (r.code === 0) return r.stdout;
    const msg = (r.stderr.trim() || r.stdout.trim() || `exit status ${r.code}`).split('\n').slice(-3).join('\n');
    if (NOT_EXIST.test(msg)) throw notFound(`No such container: ${id}`);
    if (/not running|is not running|stopped/i.test(msg)) throw conflict(`container ${id} is not running`);
    throw new EngineError('internal', `${args[0]} ${id}: ${msg}`);
  }

  async start(id: string): Promise<void> { await this.verb(id, ['start', id]); }

  async kill(id: string, signal: string | number, o: { all?: boolean } = {}): Promise<void> {
    const sig = typeof signal === 'number' ? String(signal) : signal.toUpperCase().replace(/^SIG/, '');
    await this.verb(id, ['kill', ...(o.all ? ['--all'] : []), id, sig]);
  }

  async state(id: string): Promise<OciState | undefined> {
    const r = await this.run(['state', id], { allowFailure: true });
    if (r.code !== 0) {
      if (NOT_EXIST.test(r.stderr)) return undefined;
      throw new EngineError('internal', `state ${id}: ${r.stderr.trim()}`);
    }
    const s = JSON.parse(r.stdout) as { status: OciState['status']; pid?: number };
    return { status: s.status, pid: s.pid ?? 0 };
  }

  async delete(id: string, o: { force?: boolean } = {}): Promise<void> {
    try { await this.verb(id, ['delete', ...(o.force ? ['--force'] : []), id]); } catch (err) {
      if (err instanceof EngineError && err.kind === 'not-found') return;
      throw err;
    }
  }

  /** Applies new cgroup limits to a running container (docker update); `resourcesFile` holds OCI LinuxResources. */
  async update(id: string, resourcesFile: string): Promise<void> {
    await this.verb(id, ['update', '--resources', resourcesFile, id]);
  }

  /** Ids of every container the runtime knows under our --root. */
  async list(): Promise<string[]> {
    const r = await this.run(['list', '-q'], { allowFailure: true });
    return r.code === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  }

  async pause(id: string): Promise<void> { await this.verb(id, ['pause', id]); }
  async resume(id: string): Promise<void> { await this.verb(id, ['resume', id]); }

  /** Pids of every process in the container's cgroup. */
  async ps(id: string): Promise<number[]> {
    const out = await this.verb(id, ['ps', '--format', 'json', id]);
    const pids = JSON.parse(out.trim() || '[]') as number[] | null;
    return pids ?? [];
  }
}
