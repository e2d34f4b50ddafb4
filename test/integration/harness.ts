/**
 * Integration harness: a real berthd on a temporary data root and socket, driven by the real docker CLI
 * (DOCKER_HOST=unix://...). Everything it creates is removed in stop(), even when a test failed.
 */
import { createServer as createNetServer } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { cleanupAll, nftTableFor } from '../../src/network/index.ts';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:http';

export const REPO = resolve(import.meta.dirname, '../..');
const BUSYBOX_TAR = join(tmpdir(), 'berth-test-busybox.tar');

export interface RunResult { code: number; stdout: string; stderr: string }

export class Daemon {
  readonly dataRoot: string;
  readonly socket: string;
  proc?: ChildProcess;
  logs = '';

  private constructor(dataRoot: string) {
    this.dataRoot = dataRoot;
    this.socket = join(dataRoot, 'berth.sock');
  }

  static async start(o: { args?: string[] } = {}): Promise<Daemon> {
    const d = new Daemon(await mkdtemp(join(tmpdir(), 'berth-it-')));
    try {
      await d.launch(o.args);
    } catch (err) {
      await d.stop(); // nothing of a daemon that never came up is left behind
      throw err;
    }
    return d;
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: join(this.dataRoot, 'docker-config'), BERTH_HOST: `unix://${this.socket}` };
  }

  /** Per-daemon network names, so daemons side by side never share a bridge, a subnet or nftables rules. */
  readonly bridge = `brt${randomBytes(3).toString('hex')}`;
  private readonly pool = `10.${100 + randomBytes(1)[0] % 150}.0.0/16`;

  get execRoot(): string {
    return join(this.dataRoot, 'run');
  }

  /** The daemon's cgroup parent (one per exec root, like its nftables table). */
  get cgroupParent(): string {
    return `/${nftTableFor(this.execRoot)}`;
  }

  async launch(args: string[] = []): Promise<void> {
    const netArgs = ['--exec-root', this.execRoot, '--bridge', this.bridge, '--default-address-pool', `base=${this.pool},size=24`];
    this.proc = spawn(join(REPO, 'bin/berthd'), ['--data-root', this.dataRoot, '--host', `unix://${this.socket}`, '--log-level', 'debug', ...netArgs, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (b) => (this.logs += b));
    this.proc.stderr!.on('data', (b) => (this.logs += b));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`berthd exited early (code ${this.proc.exitCode}, signal ${this.proc.signalCode}):\n${this.logs}`);
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`berthd did not answer /_ping:\n${this.logs}`);
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socket, path: '/_ping', method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /** Raw API call: returns status and body text. */
  api(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, path, method, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Runs the real docker CLI against this daemon. */
  docker(args: string[], o: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
    return run('docker', args, { env: this.env, input: o.input, timeoutMs: o.timeoutMs });
  }

  /** Runs the berth CLI against this daemon. */
  berth(args: string[], o: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(join(REPO, 'bin/berth'), args, { env: this.env, input: o.input, timeoutMs: o.timeoutMs });
  }

  /** docker that must succeed; returns trimmed stdout. */
  async ok(args: string[], o: { input?: string | Buffer } = {}): Promise<string> {
    const r = await this.docker(args, o);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  }

  /** Imports the busybox test image as `busybox:latest` with CMD ["sh"]. */
  /** The keys of every snapshot in the overlay snapshotter (image layers are named by chain id, sha256:...). */
  async snapshotKeys(): Promise<string[]> {
    const dir = join(this.dataRoot, 'snapshots/overlay/snapshots');
    const keys: string[] = [];
    for (const id of await readdir(dir).catch(() => [] as string[])) {
      const rec = await readFile(join(dir, id, 'snapshot.json'), 'utf8').then((t) => JSON.parse(t) as { key: string }, () => undefined);
      if (rec) keys.push(rec.key);
    }
    return keys;
  }

  async importBusybox(tag = 'busybox:latest'): Promise<string> {
    await run('bash', [join(REPO, 'scripts/make-busybox-tar.sh'), BUSYBOX_TAR], {});
    return this.ok(['import', '--change', 'CMD ["sh"]', BUSYBOX_TAR, tag]);
  }

  /** SIGKILL the daemon (containers must survive). */
  async kill9(): Promise<void> {
    const p = this.proc!;
    if (p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null && (await this.ping())) {
      const ids = (await this.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await this.docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
    }
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    }
    await this.cleanupNetworks();
    await this.unmountAll();
    // This daemon's parent cgroups go too (empty once its containers are gone).
    for (const c of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await rmdir(`/sys/fs/cgroup/${c}${this.cgroupParent}`).catch(() => undefined);
    await rm(this.dataRoot, { recursive: true, force: true });
  }

  /** Removes this daemon's bridges, netns and nftables table (the daemon keeps them across restarts, as dockerd). */
  private async cleanupNetworks(): Promise<void> {
    const bridges = new Set([this.bridge]);
    const dir = join(this.dataRoot, 'networks');
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!f.endsWith('.json')) continue; // ipam/, and temp files a SIGKILL left mid-write
      const rec = JSON.parse((await readFile(join(dir, f), 'utf8').catch(() => '')) || '{}') as { Id?: string; bridge?: string };
      if (rec.Id) bridges.add(rec.bridge ?? `br-${rec.Id.slice(0, 12)}`);
    }
    await cleanupAll({ netnsDir: join(this.execRoot, 'netns'), stateDir: join(this.execRoot, 'network'), nftTable: nftTableFor(this.execRoot), devices: (n) => bridges.has(n) });
  }

  /** Safety net: unmount anything still mounted under the data root, deepest first. */
  private async unmountAll(): Promise<void> {
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(this.dataRoot + '/'));
    for (const m of mounts.sort((a, b) => b.length - a.length)) await run('umount', ['-l', m], {});
  }
}

/** GET / on 127.0.0.1:PORT; resolves with the body. */
export function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

export function run(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number; cwd?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 + 9 : -1), stdout, stderr });
    });
    p.stdin.end(o.input);
  });
}

export function exists(p: string): boolean {
  return existsSync(p);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers the test starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
