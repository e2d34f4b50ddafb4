/**
 * Registries for distribution tests: Debian's docker-registry (distribution 2.8) on a free 127.0.0.1 port with
 * a temporary root, stopped and removed by stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './harness.ts';

export { freePort };


export class Registry {
  proc?: ChildProcess;
  logs = '';
  readonly root: string;
  readonly port: number;
  constructor(root: string, port: number) {
    this.root = root;
    this.port = port;
  }
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }
  static async start(o: { htpasswd?: string } = {}): Promise<Registry> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-dreg-'));
    const r = new Registry(dir, await freePort());
    const auth = o.htpasswd ? `auth:\n  htpasswd:\n    realm: test\n    path: ${o.htpasswd}\n` : '';
    await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${r.host}\n  secret: berth-test\n${auth}`);
    r.proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    r.proc.stdout!.on('data', (b) => (r.logs += b));
    r.proc.stderr!.on('data', (b) => (r.logs += b));
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`http://${r.host}/v2/`).catch(() => undefined);
      if (res) return r;
      await new Promise((s) => setTimeout(s, 50));
    }
    throw new Error(`docker-registry did not start:\n${r.logs}`);
  }
  blobPath(digest: string): string {
    const hex = digest.replace(/^sha256:/, '');
    return join(this.root, 'data', 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    await rm(this.root, { recursive: true, force: true });
  }
}

/** `berth registry serve` on a free 127.0.0.1 port with a temporary root and extra flags (TLS, auth...). */
export class BerthRegistry {
  readonly proc: ChildProcess;
  readonly root: string;
  readonly host: string;
  logs = '';
  private constructor(proc: ChildProcess, root: string, host: string) {
    this.proc = proc;
    this.root = root;
    this.host = host;
  }
  static async start(args: string[] = []): Promise<BerthRegistry> {
    const root = await mkdtemp(join(tmpdir(), 'berth-breg-'));
    const host = `127.0.0.1:${await freePort()}`;
    const proc = spawn(join(import.meta.dirname, '../../bin/berth'), ['registry', 'serve', '--addr', host, '--root', join(root, 'data'), '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = new BerthRegistry(proc, root, host);
    proc.stderr!.on('data', (b) => (r.logs += b));
    // It prints its URL once listening.
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', () => resolve());
      proc.once('exit', (code) => reject(new Error(`berth registry serve exited ${code}:\n${r.logs}`)));
    });
    return r;
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    await rm(this.root, { recursive: true, force: true });
  }
}
