import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, mkdtemp, mkdir, writeFile, symlink, readFile, rm, lstat, readlink, chmod, chown, stat, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { resolveInRoot, statPath, archivePath, extractArchive, exportRootfs, diffUpper, encodePathStatHeader, GoMode } from './index.ts';
import { mknod, S_IFCHR } from '../lib/syscalls.ts';

type E = { name: string; type?: string; linkname?: string; mode?: number; uid?: number; gid?: number; body?: string; pax?: Record<string, string> };

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-archive-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

async function buildTar(entries: E[]): Promise<Readable> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => { for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c); })();
  for (const { body, ...h } of entries) {
    await new Promise<void>((res, rej) => pack.entry(h as tar.Header, body ?? '', (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Readable.from([Buffer.concat(chunks)]);
}

async function readTar(r: Readable): Promise<{ h: tar.Header; body: string }[]> {
  const ex = tar.extract();
  const out: { h: tar.Header; body: string }[] = [];
  const it = ex[Symbol.asyncIterator]();
  r.pipe(ex as unknown as NodeJS.WritableStream);
  for (let n = await it.next(); !n.done; n = await it.next()) {
    const parts: Buffer[] = [];
    for await (const c of n.value) parts.push(c as Buffer);
    out.push({ h: n.value.header, body: Buffer.concat(parts).toString() });
  }
  return out;
}

/** A container root with hostile links and a secret outside it. */
async function hostileRoot(dir: string): Promise<{ root: string; secret: string }> {
  const root = join(dir, 'root');
  const secret = join(dir, 'secret');
  await mkdir(secret);
  await writeFile(join(secret, 'passwd'), 'HOST');
  await mkdir(join(root, 'data', 'sub'), { recursive: true });
  await writeFile(join(root, 'data', 'f.txt'), 'hello');
  await symlink('/', join(root, 'etc'));
  await symlink('../../../../..', join(root, 'up'));
  await symlink(secret, join(root, 'abs'));
  await symlink('../../secret', join(root, 'data', 'rel'));
  return { root, secret };
}

test('resolveInRoot keeps hostile links inside the root', async () => {
  await withTmp(async (dir) => {
    const { root } = await hostileRoot(dir);
    assert.equal(await resolveInRoot(root, '/etc/passwd'), `${root}/passwd`);
    assert.equal(await resolveInRoot(root, '/up/secret/passwd'), `${root}/secret/passwd`);
    assert.equal(await resolveInRoot(root, '/abs/passwd', { followLast: true }), `${root}${dir}/secret/passwd`);
    assert.equal(await resolveInRoot(root, '/data/rel', { followLast: true }), `${root}/secret`);
    assert.equal(await resolveInRoot(root, '/data/rel'), `${root}/data/rel`);
    assert.equal(await resolveInRoot(root, '../../..'), root);
  });
});

test('statPath: file, dir, symlink target in scope, not found', async () => {
  await withTmp(async (dir) => {
    const { root } = await hostileRoot(dir);
    const f = await statPath(root, '/data/f.txt');
    assert.equal(f.name, 'f.txt');
    assert.equal(f.size, 5);
    assert.equal(f.mode & 0o777, 0o644 & ~process.umask());
    assert.match(f.mtime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const d = await statPath(root, '/data');
    assert.ok(d.mode >= GoMode.dir);
    const l = await statPath(root, '/data/rel');
    assert.equal(l.mode - (l.mode & 0o777), GoMode.symlink);
    assert.equal(l.linkTarget, '/secret');
    assert.equal((await statPath(root, '/etc')).linkTarget, '/');
    assert.equal((await statPath(root, '/data/.')).name, '.');
    await assert.rejects(statPath(root, '/etc/passwd'), /lstat \/etc\/passwd: no such file or directory/);
    const hdr = JSON.parse(Buffer.from(encodePathStatHeader(f), 'base64').toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(hdr), ['name', 'size', 'mode', 'mtime', 'linkTarget']);
  });
});

test('archivePath names entries like docker and never follows links out', async () => {
  await withTmp(async (dir) => {
    const { root } = await hostileRoot(dir);
    const names = async (p: string) => (await readTar((await archivePath(root, p)).tar)).map((e) => e.h.name);
    assert.deepEqual(await names('/data'), ['data/', 'data/f.txt', 'data/rel', 'data/sub/']);
    assert.deepEqual(await names('/data/.'), ['./', './f.txt', './rel', './sub/']);
    assert.deepEqual(await names('/data/f.txt'), ['f.txt']);
    assert.deepEqual(await names('/abs'), ['abs']);
    const whole = await names('/');
    assert.equal(whole[0], '/');
    assert.ok(whole.includes('/data/f.txt'));
    assert.ok(!whole.some((n) => n.includes('passwd')));
    await assert.rejects(archivePath(root, '/etc/passwd'), /no such file/);
  });
});

test('extractArchive refuses hostile tars and never writes outside', async () => {
  await withTmp(async (dir) => {
    const { root, secret } = await hostileRoot(dir);
    const ext = (entries: E[], dest = '/data') => buildTar(entries).then((t) => extractArchive(root, dest, t, { noOverwriteDirNonDir: true, copyUIDGID: false }));
    await assert.rejects(ext([{ name: '../../x', body: 'x' }]), /invalid entry name/);
    await ext([{ name: '/abs-entry', body: 'clamped' }]);
    assert.equal(await readFile(join(root, 'data', 'abs-entry'), 'utf8'), 'clamped');
    // link then a file through it: resolved with the destination as "/"
    await ext([{ name: 'esc', type: 'symlink', linkname: '/' }, { name: 'esc/passwd', body: 'X' }]);
    assert.equal(await readFile(join(root, 'data', 'passwd'), 'utf8'), 'X');
    await ext([{ name: 'esc2', type: 'symlink', linkname: '../../../../../../' + secret.slice(1) }, { name: 'esc2/passwd', body: 'Y' }]);
    await ext([{ name: 'rel/passwd', body: 'Z' }]); // existing relative escape link in the container
    await assert.rejects(ext([{ name: 'h', type: 'link', linkname: '../../secret/passwd' }]), /invalid hardlink target/);
    await ext([{ name: 'h2', type: 'link', linkname: '/f.txt' }]);
    assert.equal((await stat(join(root, 'data', 'h2'))).nlink, 2);
    await assert.rejects(ext([{ name: '.wh.f.txt', body: '' }]), /whiteout/);
    // through the root's own hostile links to the destination
    await ext([{ name: 'passwd', body: 'W' }], '/up/etc');
    assert.equal(await readFile(join(root, 'passwd'), 'utf8'), 'W');
    assert.equal(await readFile(join(secret, 'passwd'), 'utf8'), 'HOST');
    assert.deepEqual((await readdir(secret)).sort(), ['passwd']);
    await assert.rejects(ext([{ name: 'x', body: '' }], '/data/f.txt'), /extraction point is not a directory/);
    await assert.rejects(ext([{ name: 'x', body: '' }], '/nope'), /no such file/);
  });
});

test('extractArchive noOverwriteDirNonDir both ways, and overwrite when allowed', async () => {
  await withTmp(async (dir) => {
    const { root } = await hostileRoot(dir);
    const ext = (entries: E[], no: boolean) => buildTar(entries).then((t) => extractArchive(root, '/data', t, { noOverwriteDirNonDir: no, copyUIDGID: false }));
    await assert.rejects(ext([{ name: 'sub', body: 'file' }], true), /cannot overwrite directory "sub" with non-directory "\/data"/);
    await assert.rejects(ext([{ name: 'f.txt', type: 'directory' }], true), /cannot overwrite non-directory "f.txt" with directory "\/data"/);
    await ext([{ name: 'sub', body: 'file' }], false);
    assert.equal(await readFile(join(root, 'data', 'sub'), 'utf8'), 'file');
  });
});

test('round trip keeps modes, owners, symlinks, big uids; copyUIDGID chowns to the container user', async () => {
  await withTmp(async (dir) => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'tree', 'd'), { recursive: true });
    await writeFile(join(src, 'tree', 'd', 'x'), 'x');
    await chown(join(src, 'tree', 'd', 'x'), 1234, 5678);
    await chmod(join(src, 'tree', 'd', 'x'), 0o4751);
    await writeFile(join(src, 'tree', 'big'), 'b');
    await chown(join(src, 'tree', 'big'), 3_000_000, 3_000_001);
    await symlink('d/x', join(src, 'tree', 'ln'));
    await link(join(src, 'tree', 'd', 'x'), join(src, 'tree', 'hard'));
    await chmod(join(src, 'tree', 'd'), 0o710);
    const { tar: t } = await archivePath(src, '/tree');
    const dst = join(dir, 'dst');
    await mkdir(dst);
    await extractArchive(dst, '/', t, { noOverwriteDirNonDir: true, copyUIDGID: false });
    const x = await stat(join(dst, 'tree', 'd', 'x'));
    assert.equal(x.mode & 0o7777, 0o4751);
    assert.deepEqual([x.uid, x.gid, x.nlink], [1234, 5678, 2]);
    assert.equal((await stat(join(dst, 'tree', 'd'))).mode & 0o777, 0o710);
    const big = await stat(join(dst, 'tree', 'big'));
    assert.deepEqual([big.uid, big.gid], [3_000_000, 3_000_001]);
    assert.equal(await readlink(join(dst, 'tree', 'ln')), 'd/x');
    assert.equal((await stat(join(src, 'tree', 'd', 'x'))).mtimeMs - (await stat(join(src, 'tree', 'd', 'x'))).mtimeMs % 1000, x.mtimeMs);

    await mkdir(join(dst, 'etc'));
    await writeFile(join(dst, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
    await extractArchive(dst, '/', await buildTar([{ name: 'owned', body: 'o', uid: 7, gid: 7 }]), { noOverwriteDirNonDir: true, copyUIDGID: true, containerUser: 'app' });
    const o = await stat(join(dst, 'owned'));
    assert.deepEqual([o.uid, o.gid], [1000, 1001]);
  });
});

test('mounts: archive and extract cross into mapped volumes', async () => {
  await withTmp(async (dir) => {
    const { root } = await hostileRoot(dir);
    const vol = join(dir, 'vol');
    await mkdir(vol);
    await writeFile(join(vol, 'v.txt'), 'vol');
    await mkdir(join(root, 'data', 'mnt'));
    const mounts = [{ destination: '/data/mnt', source: vol }];
    assert.equal((await statPath(root, '/data/mnt/v.txt', mounts)).size, 3);
    const names = (await readTar((await archivePath(root, '/data', { mounts })).tar)).map((e) => e.h.name);
    assert.ok(names.includes('data/mnt/v.txt'));
    await extractArchive(root, '/data/mnt', await buildTar([{ name: 'new', body: 'n' }]), { noOverwriteDirNonDir: true, copyUIDGID: false, mounts });
    assert.equal(await readFile(join(vol, 'new'), 'utf8'), 'n');
    await assert.rejects(
      extractArchive(root, '/data/mnt', await buildTar([{ name: 'n2', body: 'n' }]), { noOverwriteDirNonDir: true, copyUIDGID: false, mounts: [{ ...mounts[0]!, readOnly: true }] }),
      /mounted volume is marked read-only/);
  });
});

test('exportRootfs: relative names, no mounts', async () => {
  await withTmp(async (dir) => {
    const { root } = await hostileRoot(dir);
    const names = (await readTar(exportRootfs(root))).map((e) => e.h.name);
    assert.deepEqual(names, ['abs', 'data/', 'data/f.txt', 'data/rel', 'data/sub/', 'etc', 'up']);
  });
});

test('diffUpper: added, modified, deleted, opaque', async () => {
  await withTmp(async (dir) => {
    const lower = join(dir, 'lower');
    const upper = join(dir, 'upper');
    await mkdir(join(lower, 'etc'), { recursive: true });
    await mkdir(join(lower, 'opq'), { recursive: true });
    await writeFile(join(lower, 'etc', 'hosts'), '1');
    await writeFile(join(lower, 'etc', 'gone'), '1');
    await writeFile(join(lower, 'opq', 'hidden'), '1');
    await mkdir(join(upper, 'etc'), { recursive: true });
    await writeFile(join(upper, 'etc', 'hosts'), '2');
    await writeFile(join(upper, 'etc', 'new'), '2');
    mknod(join(upper, 'etc', 'gone'), S_IFCHR, 0n);
    await mkdir(join(upper, 'opq'));
    (await import('../lib/syscalls.ts')).setxattr(join(upper, 'opq'), 'trusted.overlay.opaque', Buffer.from('y'));
    await mkdir(join(upper, 'tmp'));
    await writeFile(join(upper, 'tmp', 'a'), '');
    const ch = await diffUpper(upper, [lower]);
    assert.deepEqual(ch, [
      { Path: '/etc', Kind: 0 }, { Path: '/etc/gone', Kind: 2 }, { Path: '/etc/hosts', Kind: 0 }, { Path: '/etc/new', Kind: 1 },
      { Path: '/opq', Kind: 0 }, { Path: '/opq/hidden', Kind: 2 },
      { Path: '/tmp', Kind: 1 }, { Path: '/tmp/a', Kind: 1 },
    ]);
    void lstat;
  });
});
