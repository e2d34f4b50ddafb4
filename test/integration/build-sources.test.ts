/**
 * Where the classic builder's sources come from (issue 4): ADD of a URL (fetched by the daemon from an HTTP server
 * this test runs on 127.0.0.1, with --checksum), COPY through symlinks that point out of the context (resolved inside
 * it, never to host files), context tars whose entries climb out (refused), and FROM an image that is not local
 * (pulled from a `berth registry serve` on loopback; --pull pulls again).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { link, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { Daemon, REPO, exists, freePort, run } from './harness.ts';
import { buildHelpers } from './build-helpers.ts';
import { Registry } from './registry-fixtures.ts';


/** A tar of `entries` (name, type, body or link target), as a client could send it to POST /build. */
async function tarOf(entries: { name: string; type?: 'file' | 'symlink' | 'link' | 'directory'; body?: string; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    await new Promise<void>((res, rej) => {
      pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.type === 'directory' ? 0o755 : 0o644 }, e.body ?? '', (err) => (err ? rej(err) : res()));
    });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('docker build: sources (ADD <url>, symlinks out of the context, FROM pulls)', () => {
  let d: Daemon;
  let tmp: string;
  let http: Server;
  let httpPort: number;
  /** What the test HTTP server serves, by path; `hits` counts the requests per path. */
  const files = new Map<string, { body: Buffer; headers?: Record<string, string> }>();
  const hits = new Map<string, number>();
  const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';

  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    tmp = await mkdtemp(join(tmpdir(), 'berth-build-sources-'));
    http = createHttpServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const f = files.get(path);
      if (!f) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('no such file\n');
        return;
      }
      res.writeHead(200, { 'Content-Length': String(f.body.length), ...f.headers });
      res.end(f.body);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => http?.close(r));
    await d?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const { build, built, noLeftovers } = buildHelpers(() => d, () => tmp);

  const url = (path: string) => `http://127.0.0.1:${httpPort}${path}`;
  const context = async (dockerfile: string, extra: Record<string, string> = {}): Promise<string> => {
    const dir = await mkdtemp(join(tmp, 'ctx-'));
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
    for (const [k, v] of Object.entries(extra)) {
      await mkdir(join(dir, k, '..'), { recursive: true });
      await writeFile(join(dir, k), v);
    }
    return dir;
  };

  test('ADD <url>: named from the path, mode 600, Last-Modified mtime, not unpacked; dest without / is the file', async () => {
    const gz = await tarOf([{ name: 'inside.txt', body: 'packed' }]);
    files.set('/files/hello.txt', { body: Buffer.from('hello over http\n'), headers: { 'Last-Modified': LAST_MODIFIED } });
    files.set('/files/pkg.tar', { body: gz });
    files.set('/download/', { body: Buffer.from('disposed\n'), headers: { 'Content-Disposition': 'attachment; filename="named.txt"' } });
    const dir = await context([
      'FROM busybox',
      `ADD ${url('/files/hello.txt')} /dl/`,
      `ADD ${url('/files/pkg.tar')} /arch/`,
      `ADD ${url('/download/')} /cd/`,
      `ADD ${url('/files/hello.txt')} /renamed.txt`,
      '',
    ].join('\n'));
    const out = await built(['-t', 'addurl', dir]);
    assert.match(out, /Step 2\/5 : ADD http:\/\/127\.0\.0\.1:\d+\/files\/hello\.txt \/dl\//);
    const ls = await d.ok(['run', '--rm', 'addurl', 'sh', '-c',
      'stat -c "%n %a %u:%g %Y" /dl/hello.txt /arch/pkg.tar /cd/named.txt /renamed.txt && cat /dl/hello.txt /cd/named.txt && ls /arch']);
    const epoch = String(Date.parse(LAST_MODIFIED) / 1000);
    assert.equal(ls, [
      `/dl/hello.txt 600 0:0 ${epoch}`,
      '/arch/pkg.tar 600 0:0 0', // no Last-Modified: the Unix epoch
      '/cd/named.txt 600 0:0 0',
      `/renamed.txt 600 0:0 ${epoch}`,
      'hello over http',
      'disposed',
      'pkg.tar', // a URL source is never unpacked
    ].join('\n'));
    const history = await d.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'addurl']);
    assert.match(history, /^\/bin\/sh -c #\(nop\) ADD [0-9a-f]{64} in \/dl\/ ?$/m, 'a URL source: a bare hash, as dockerd writes it');
    await noLeftovers();
  });

  test('ADD <url> cache: downloaded again and keyed by content; a changed file rebuilds from its step', async () => {
    files.set('/cache/data.txt', { body: Buffer.from('version 1\n') });
    const dir = await context(`FROM busybox\nADD ${url('/cache/data.txt')} /data.txt\nRUN cat /data.txt > /copy.txt\n`);
    await built(['-t', 'addcache', dir]);
    assert.equal(hits.get('/cache/data.txt'), 1);
    const again = await built(['-t', 'addcache', dir]);
    assert.equal(hits.get('/cache/data.txt'), 2, 'the classic builder downloads before probing the cache');
    assert.equal(again.match(/ ---> Using cache/g)?.length, 2, again);
    files.set('/cache/data.txt', { body: Buffer.from('version 2\n') });
    const changed = await built(['-t', 'addcache', dir]);
    assert.doesNotMatch(changed, /Using cache/);
    assert.equal(await d.ok(['run', '--rm', 'addcache', 'cat', '/copy.txt']), 'version 2');
  });

  test('ADD --checksum: a matching sha256 builds; a mismatch fails with BuildKit\'s message; bad uses refused', async () => {
    const body = Buffer.from('checked content\n');
    const sum = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    files.set('/sum/file.bin', { body });
    await built(['-t', 'sumok', await context(`FROM busybox\nADD --checksum=${sum} ${url('/sum/file.bin')} /f.bin\n`)]);
    assert.equal(await d.ok(['run', '--rm', 'sumok', 'cat', '/f.bin']), 'checked content');

    const wrong = `sha256:${'0'.repeat(64)}`;
    const bad = await build(['-t', 'sumbad', await context(`FROM busybox\nADD --checksum=${wrong} ${url('/sum/file.bin')} /f.bin\n`)]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, new RegExp(`digest mismatch ${sum}: ${wrong}`));
    assert.equal((await d.docker(['image', 'inspect', 'sumbad'])).code, 1);
    await noLeftovers();

    const cases: [string, RegExp][] = [
      [`ADD --checksum=${sum} local.txt /x`, /checksum can't be specified for non-HTTP\(S\) sources/],
      [`ADD --checksum=${sum} ${url('/sum/file.bin')} local.txt /x/`, /checksum can't be specified for multiple sources/],
      [`COPY ${url('/sum/file.bin')} /x`, /COPY failed: source can't be a URL for COPY/],
      [`ADD ${url('/missing.txt')} /x`, new RegExp(`ADD failed: failed to GET ${url('/missing.txt').replace(/\./g, '\\.')} with status 404 Not Found: no such file`)],
    ];
    for (const [line, msg] of cases) {
      const r = await build([await context(`FROM busybox\n${line}\n`, { 'local.txt': 'x' })]);
      assert.notEqual(r.code, 0, line);
      assert.match(r.stderr, msg, `${line}\n${r.stderr}`);
      await noLeftovers();
    }
  });

  test('COPY through symlinks pointing out of the context resolves them inside it: host files are never copied', async () => {
    // <tmp>/outer/secret is the host file `up -> ../..` would reach from <tmp>/outer/mid/ctx.
    const outer = await mkdtemp(join(tmp, 'outer-'));
    await writeFile(join(outer, 'secret'), 'HOST SECRET\n');
    const ctx = join(outer, 'mid', 'ctx');
    await mkdir(ctx, { recursive: true });
    await symlink('/etc', join(ctx, 'link'));
    await symlink('../..', join(ctx, 'up'));
    for (const [df, shown] of [['COPY link/passwd /x', 'link/passwd'], ['COPY up/secret /y', 'up/secret'], ['COPY up/mid/ctx/../../secret /z', 'up/mid/ctx/../../secret']]) {
      await writeFile(join(ctx, 'Dockerfile'), `FROM busybox\n${df}\n`);
      const r = await build(['-t', 'escape', ctx]);
      assert.notEqual(r.code, 0, df);
      assert.match(r.stderr, new RegExp(`COPY failed: file not found in build context or excluded by \\.dockerignore: stat ${shown.replace(/\./g, '\\.')}: file does not exist`), `${df}\n${r.stderr}`);
      await noLeftovers();
    }
    assert.equal((await d.docker(['image', 'inspect', 'escape'])).code, 1);

    // In scope, `link -> /etc` is the context's own etc/: that file is what gets copied.
    await mkdir(join(ctx, 'etc'));
    await writeFile(join(ctx, 'etc', 'passwd'), 'context passwd\n');
    await writeFile(join(ctx, 'secret'), 'context secret\n');
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY link/passwd /x\nCOPY up/secret /y\n');
    await built(['-t', 'inscope', ctx]);
    assert.equal(await d.ok(['run', '--rm', 'inscope', 'cat', '/x', '/y']), 'context passwd\ncontext secret');
  });

  test('a context tar whose entries climb out (../, through a symlink, a hardlink to a host file) is refused', async () => {
    const buildDir = join(d.dataRoot, 'tmp', 'build');
    const cases: { what: string; entries: Parameters<typeof tarOf>[0]; mustNotExist: string }[] = [
      { what: '../ entry', entries: [{ name: 'Dockerfile', body: 'FROM busybox\n' }, { name: '../escaped.txt', body: 'out' }], mustNotExist: join(buildDir, 'escaped.txt') },
      { what: 'deep ../ entry', entries: [{ name: 'Dockerfile', body: 'FROM busybox\n' }, { name: 'a/../../../escaped2.txt', body: 'out' }], mustNotExist: join(d.dataRoot, 'tmp', 'escaped2.txt') },
      {
        what: 'write through a symlink', mustNotExist: join(tmp, 'via-link.txt'),
        entries: [{ name: 'Dockerfile', body: 'FROM busybox\n' }, { name: 'l', type: 'symlink', linkname: tmp }, { name: 'l/via-link.txt', body: 'out' }],
      },
      {
        what: 'hardlink to a host file', mustNotExist: '/nonexistent-never-created',
        entries: [{ name: 'Dockerfile', body: 'FROM busybox\nCOPY pw /pw\n' }, { name: 'pw', type: 'link', linkname: '../../../../../../etc/passwd' }],
      },
    ];
    for (const c of cases) {
      const r = await d.api('POST', '/build?t=climb', await tarOf(c.entries), { 'Content-Type': 'application/x-tar' });
      assert.notEqual(r.status, 200, `${c.what}: ${r.body}`);
      assert.equal(r.status, 400, `${c.what}: ${r.status} ${r.body}`);
      assert.match(r.body, /escapes the build context|symlink|invalid hardlink/, c.what);
      await assert.rejects(stat(c.mustNotExist), `${c.what}: nothing written outside`);
      await noLeftovers();
    }
    assert.equal((await d.docker(['image', 'inspect', 'climb'])).code, 1);
  });

  test('COPY of a directory keeps its hardlinks; --chown=USER alone names the group USER too (dockerd\'s rule)', async () => {
    const dir = await context('FROM busybox\nCOPY dir /d/\nCOPY --chown=www-data dir/a.txt /owned.txt\n', { 'dir/a.txt': 'a\n' });
    await symlink('a.txt', join(dir, 'dir', 'soft'));
    await link(join(dir, 'dir', 'a.txt'), join(dir, 'dir', 'hard.txt'));
    await built(['-t', 'hardlinks', dir]);
    const out = await d.ok(['run', '--rm', 'hardlinks', 'sh', '-c', 'stat -c "%n %h %i" /d/a.txt /d/hard.txt | cut -d" " -f2 && [ "$(stat -c %i /d/a.txt)" = "$(stat -c %i /d/hard.txt)" ] && readlink /d/soft && stat -c "%u:%g" /owned.txt']);
    assert.equal(out, '2\n2\na.txt\n33:33');
    const r = await build([await context('FROM busybox\nCOPY --chown=nobody f /f\n', { f: 'f' })]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unable to convert uid\/gid chown string to host mapping: can't find gid for group nobody: no such group: nobody/);
    await noLeftovers();
  });

  test('WORKDIR makes its directory (root-owned, 0755) even when nothing runs in it', async () => {
    await built(['-t', 'wdonly', await context('FROM busybox\nUSER nobody\nWORKDIR /made/by/workdir\n')]);
    // COPY --from reads the image's layers (no container would make the directory on the way).
    await built(['-t', 'wdcopy', await context('FROM busybox\nCOPY --from=wdonly /made/by /copied/\n')]);
    assert.equal(await d.ok(['run', '--rm', '--user', 'root', 'wdonly', 'stat', '-c', '%a %u', '/made', '/made/by/workdir']), '755 0\n755 0');
    assert.equal(await d.ok(['run', '--rm', 'wdcopy', 'ls', '/copied']), 'workdir');
  });

  describe('FROM an image that is not local', () => {
    let registry: ChildProcess;
    let regRoot: string;
    let addr: string;
    before(async () => {
      regRoot = await mkdtemp(join(tmpdir(), 'berth-build-registry-'));
      addr = `127.0.0.1:${await freePort()}`;
      registry = spawn(join(REPO, 'bin/berth'), ['registry', 'serve', '--addr', addr, '--root', regRoot, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      registry.stdout!.on('data', (b) => (out += b));
      registry.stderr!.on('data', (b) => (out += b));
      for (let i = 0; i < 200 && !out.includes(addr); i++) await new Promise((s) => setTimeout(s, 50));
      assert.match(out, new RegExp(`http://${addr}`));
      // The registry's copy has a label, so its image differs from the local busybox (nothing of it is local).
      const ctx = await context('FROM busybox\nLABEL from=registry\n');
      await built(['-t', `${addr}/lib/busybox:latest`, ctx]);
      await d.ok(['push', `${addr}/lib/busybox:latest`]);
      await d.ok(['rmi', `${addr}/lib/busybox:latest`]);
    });
    after(async () => {
      if (registry && registry.exitCode === null) {
        const exited = new Promise((r) => registry.once('exit', r));
        registry.kill('SIGTERM');
        await exited;
      }
      if (regRoot) await rm(regRoot, { recursive: true, force: true });
    });

    test('is pulled, with the pull progress in the build output; --pull pulls again', async () => {
      const ref = `${addr}/lib/busybox`;
      assert.equal((await d.docker(['image', 'inspect', ref])).code, 1, 'not local before the build');
      const dir = await context(`FROM ${ref}\nRUN echo built on the pulled base > /b.txt\nCMD ["cat", "/b.txt"]\n`);
      const out = await built(['-t', 'pulled-child', dir]);
      assert.match(out, /^Step 1\/3 : FROM 127\.0\.0\.1:\d+\/lib\/busybox$/m);
      assert.match(out, /latest: Pulling from lib\/busybox/);
      assert.match(out, new RegExp(`Status: Downloaded newer image for ${ref.replace(/\./g, '\\.')}:latest`));
      assert.equal(await d.ok(['image', 'inspect', '-f', '{{.Config.Labels.from}}', ref]), 'registry');
      assert.equal(await d.ok(['run', '--rm', 'pulled-child']), 'built on the pulled base');
      assert.equal(await d.ok(['image', 'inspect', '-f', '{{.Config.Labels.from}}', 'pulled-child']), 'registry');

      // Present now: no pull without --pull; with it, the base is pulled again (and found up to date).
      const cached = await built(['-t', 'pulled-child', dir]);
      assert.doesNotMatch(cached, /Pulling from/);
      const repulled = await built(['--pull', '-t', 'pulled-child', dir]);
      assert.match(repulled, /latest: Pulling from lib\/busybox/);
      assert.match(repulled, new RegExp(`Status: Image is up to date for ${ref.replace(/\./g, '\\.')}:latest`));
      assert.match(repulled, /Using cache/, 'the same base keeps the cache');
      await noLeftovers();
    });

    test('a repository the registry does not have fails the build with the pull error', async () => {
      const r = await build(['-t', 'nobase', await context(`FROM ${addr}/lib/nothing-here\n`)]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /not found|unknown/i, r.stderr);
      assert.equal((await d.docker(['image', 'inspect', 'nobase'])).code, 1);
      await noLeftovers();
    });
  });

  test('FROM a registry that wants a login pulls with the credentials the CLI sends (X-Registry-Config)', { skip: exists('/usr/bin/docker-registry') ? false : 'docker-registry is not installed' }, async () => {
    const dir = await mkdtemp(join(tmp, 'auth-registry-'));
    const h = await run('htpasswd', ['-Bbn', 'alice', 'hunter2-secret'], {});
    assert.equal(h.code, 0, h.stderr);
    await writeFile(join(dir, 'htpasswd'), h.stdout);
    const reg = await Registry.start({ htpasswd: join(dir, 'htpasswd') });
    try {
      const base = `${reg.host}/priv/base:latest`;
      await built(['-t', base, await context('FROM busybox\nLABEL private=yes\n')]);
      await d.ok(['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 'hunter2-secret' });
      await d.ok(['push', base]);
      await d.ok(['rmi', base]);
      const ctx = await context(`FROM ${base}\nRUN echo ok > /ok\n`);
      const out = await built(['-t', 'private-child', ctx]);
      assert.match(out, /latest: Pulling from priv\/base/);
      assert.equal(await d.ok(['image', 'inspect', '-f', '{{.Config.Labels.private}}', 'private-child']), 'yes');

      // Without the credentials the registry refuses the pull, and so does the build.
      await d.ok(['logout', reg.host]);
      await d.ok(['rmi', 'private-child', base]);
      const r = await build(['-t', 'private-child', ctx]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /no basic auth credentials|unauthorized|authentication required/i, r.stderr);
      await noLeftovers();
    } finally {
      await reg.stop();
    }
  });
});
