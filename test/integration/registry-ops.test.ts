/**
 * Operating Berth's registry server (issue 5) with berthd and the real docker CLI: `berth registry serve --config`
 * with distribution's config.yml (flags override it, bad keys refused), berthd's push against it (a layer gzipped
 * on the fly goes up as one chunked-transfer PATCH, small blobs in one PUT, a second repository mounts them, a
 * pulled image goes up blob for blob), and a registry SIGKILLed while berthd downloads a 50 MB layer: the
 * pull fails and leaves nothing behind (no image, blob, snapshot or ingest file); once the registry is back on
 * the same root the pull completes and the image runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, REPO, run } from './harness.ts';
import { freePort } from './registry-fixtures.ts';

const BERTH = join(REPO, 'bin/berth');
const BIG = 50 * 1024 * 1024;

/** `berth registry serve` with the given arguments; resolves once it prints its URL. */
class ServeProcess {
  readonly proc: ChildProcess;
  logs = '';
  url = '';
  private constructor(proc: ChildProcess) {
    this.proc = proc;
  }
  static async start(args: string[]): Promise<ServeProcess> {
    const s = new ServeProcess(spawn(BERTH, ['registry', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    s.proc.stderr!.on('data', (b) => (s.logs += b));
    await new Promise<void>((resolve, reject) => {
      s.proc.stdout!.on('data', (b) => { s.url = String(b).trim(); resolve(); });
      s.proc.once('exit', (code) => reject(new Error(`berth registry serve exited ${code}:\n${s.logs}`)));
    });
    return s;
  }
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill(signal);
    await exited;
  }
}

/**
 * A loopback TCP relay in front of a registry. Once armed, it forwards the first `holdAfter` bytes of a large
 * response and then holds the rest back (pausing the registry's socket), so a download is reliably mid-way; when
 * the registry side closes (seen after release()), the client side is cut too. One hold only: later connections
 * pass freely.
 */
class HoldingRelay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  armed = false;
  holding: Promise<void>;
  /** Reads the held connection again (discarding), so the relay sees the registry's side close. */
  release: () => void = () => {};
  private onHold!: () => void;
  private readonly holdAfter: number;
  private readonly target: number;
  constructor(target: number, holdAfter: number) {
    this.target = target;
    this.holdAfter = holdAfter;
    this.holding = new Promise((r) => (this.onHold = r));
    this.server = createServer((down) => {
      const up = connect(this.target, '127.0.0.1');
      this.sockets.add(down).add(up);
      let sent = 0;
      let held = false;
      down.on('data', (b) => up.write(b));
      up.on('data', (b) => {
        if (held) return; // released after the registry died: read on only to see it close
        if (this.armed && sent + b.length > this.holdAfter) {
          this.armed = false;
          held = true;
          up.pause();
          this.release = () => up.resume();
          this.onHold();
          return;
        }
        sent += b.length;
        down.write(b);
      });
      const cut = () => { down.destroy(); up.destroy(); };
      up.on('close', cut).on('error', cut);
      down.on('close', cut).on('error', cut);
    });
  }
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function listDir(p: string): Promise<string[]> {
  return readdir(p).catch(() => []);
}

describe('registry operations: config file, push to Berth\'s server, registry killed mid-pull', () => {
  let d: Daemon;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-regops-'));
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('serve --config: distribution\'s config.yml, flags override it, bad keys are refused', async () => {
    const root = join(dir, 'cfg-root');
    const filePort = await freePort();
    const flagPort = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(config, [
      'version: 0.1', 'log:', '  level: warn', '  fields:', '    service: registry',
      'storage:', `  filesystem:`, `    rootdirectory: ${root}`, '  delete:', '    enabled: false', '  cache:', '    blobdescriptor: inmemory',
      'http:', `  addr: 127.0.0.1:${filePort}`, '  headers:', '    X-Content-Type-Options: [nosniff]', '',
    ].join('\n'));
    // The file's address, root and delete setting.
    let s = await ServeProcess.start(['--config', config]);
    try {
      assert.equal(s.url, `http://127.0.0.1:${filePort}`);
      const name = `127.0.0.1:${filePort}/cfg/busybox:v1`;
      await d.ok(['tag', 'busybox', name]);
      const push = await d.ok(['push', name]);
      const digest = /digest: (sha256:[a-f0-9]{64})/.exec(push)![1];
      assert.ok((await stat(join(root, 'v1/repositories/cfg/busybox'))).isDirectory(), 'stored under storage.filesystem.rootdirectory');
      const del = await fetch(`${s.url}/v2/cfg/busybox/manifests/${digest}`, { method: 'DELETE' });
      assert.equal(del.status, 405);
      assert.equal(((await del.json()) as { errors: { code: string }[] }).errors[0].code, 'UNSUPPORTED');
      await d.ok(['rmi', name]);
    } finally {
      await s.kill();
    }
    // Flags win over the file: another address, deletes on.
    s = await ServeProcess.start(['--config', config, '--addr', `127.0.0.1:${flagPort}`, '--delete-enabled']);
    try {
      assert.equal(s.url, `http://127.0.0.1:${flagPort}`);
      const tags = (await (await fetch(`${s.url}/v2/cfg/busybox/tags/list`)).json()) as { tags: string[] };
      assert.deepEqual(tags.tags, ['v1']);
      const head = await fetch(`${s.url}/v2/cfg/busybox/manifests/v1`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
      const del = await fetch(`${s.url}/v2/cfg/busybox/manifests/${head.headers.get('docker-content-digest')}`, { method: 'DELETE' });
      assert.equal(del.status, 202);
    } finally {
      await s.kill();
    }
    // A key Berth does not know, and one it does not support, stop it before it listens.
    for (const [extra, re] of [['  adress: x', /configuration file .*config-bad\.yml: http\.adress: unknown configuration key/], ['  prefix: /reg', /http\.prefix: a path prefix is not supported/]] as const) {
      const bad = join(dir, 'config-bad.yml');
      await writeFile(bad, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${root}\nhttp:\n${extra}\n`);
      const r = await run(BERTH, ['registry', 'serve', '--config', bad], { timeoutMs: 30_000 });
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, re);
    }
  });

  test('push to Berth\'s server (a 50 MB layer gzipped as it streams up in one chunked PATCH, cross-repository mount, a pulled image re-pushed with its digest); registry killed mid-pull leaves nothing, then the pull completes', async () => {
    const root = join(dir, 'kill-root');
    const regPort = await freePort();
    let reg = await ServeProcess.start(['--addr', `127.0.0.1:${regPort}`, '--root', root, '--log-level', 'warn']);
    const relay = new HoldingRelay(regPort, 8 * 1024 * 1024);
    await relay.listen();
    try {
      // An image with a 50 MB random (incompressible) layer on top of busybox.
      const ctx = join(dir, 'big-ctx');
      await mkdir(ctx);
      await writeFile(join(ctx, 'big'), randomBytes(BIG));
      await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY big /big\n');
      const name = `127.0.0.1:${relay.port}/ops/big:v1`;
      await d.ok(['build', '-q', '-t', name, ctx]);

      const push = await d.ok(['push', name]);
      assert.match(push, /: Pushed/);
      const m = /v1: digest: (sha256:[a-f0-9]{64})/.exec(push);
      assert.ok(m, push);
      // The same layers into another repository of the same registry are mounted, not uploaded.
      const other = `127.0.0.1:${relay.port}/ops/other:v1`;
      await d.ok(['tag', name, other]);
      const push2 = await d.ok(['push', other]);
      assert.match(push2, /Mounted from ops\/big/);
      assert.doesNotMatch(push2, /: Pushed/);

      const manifest = (await (await fetch(`${reg.url}/v2/ops/big/manifests/v1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } })).json()) as { layers: { digest: string; size: number }[] };
      const bigLayer = manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
      assert.ok(bigLayer.size > 40 * 1024 * 1024, `the big layer is ${bigLayer.size} bytes`);
      await d.ok(['rmi', name, other]);
      const snapshotsBefore = (await d.snapshotKeys()).sort();

      // Pull through the relay; once 8 MB of the layer have come, SIGKILL the registry.
      relay.armed = true;
      const pull = run('docker', ['pull', name], { env: d.env, timeoutMs: 120_000 });
      await relay.holding;
      const ingest = join(d.dataRoot, 'content/ingest');
      assert.ok((await listDir(ingest)).length > 0, 'the layer is being written to the ingest area');
      await reg.kill('SIGKILL');
      relay.release();
      const failed = await pull;
      assert.notEqual(failed.code, 0, failed.stdout);
      assert.match(failed.stderr, /error pulling blob sha256:[a-f0-9]{64}: |short read/, `stdout: ${failed.stdout}\nstderr: ${failed.stderr}`);

      // Nothing half-stored: no image, no blob, no new snapshot (not even an extract-*), no ingest file.
      assert.equal((await d.docker(['image', 'inspect', name])).code, 1);
      assert.deepEqual(await listDir(ingest), []);
      await assert.rejects(stat(join(d.dataRoot, 'content/blobs/sha256', bigLayer.digest.slice(7))));
      assert.deepEqual((await d.snapshotKeys()).sort(), snapshotsBefore);

      // The registry back on the same root: the pull completes and the image runs.
      reg = await ServeProcess.start(['--addr', `127.0.0.1:${regPort}`, '--root', root, '--log-level', 'warn']);
      const ok = await d.ok(['pull', name]);
      assert.match(ok, new RegExp(`Digest: ${m[1]}`));
      assert.match(ok, /Downloaded newer image/);
      const r = await d.docker(['run', '--rm', name, 'wc', '-c', '/big']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), `${BIG} /big`);
      assert.ok((await stat(join(d.dataRoot, 'content/blobs/sha256', bigLayer.digest.slice(7)))).isFile());
      assert.deepEqual(await listDir(ingest), []);

      // The pulled image pushed to another Berth registry goes up blob for blob: the same manifest digest.
      const second = await ServeProcess.start(['--addr', `127.0.0.1:${await freePort()}`, '--root', join(dir, 'second-root'), '--log-level', 'warn']);
      try {
        const copy = `${new URL(second.url).host}/copy/big:v1`;
        await d.ok(['tag', name, copy]);
        const pushed = await d.ok(['push', copy]);
        assert.match(pushed, new RegExp(`v1: digest: ${m[1]} `));
        assert.equal((await fetch(`${second.url}/v2/copy/big/blobs/${bigLayer.digest}`, { method: 'HEAD' })).status, 200);
        await d.ok(['rmi', copy]);
      } finally {
        await second.kill();
      }
      await d.ok(['rmi', name]);
    } finally {
      await relay.close();
      await reg.kill();
    }
  });
});
