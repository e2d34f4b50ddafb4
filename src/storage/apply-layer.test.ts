import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, lstat, readFile, readlink, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { applyLayer } from './apply-layer.ts';
import { lgetxattr } from '../lib/syscalls.ts';
import { buildTar, type TarEntry } from './test-tar.ts';
import { isInvalidArgument } from '../lib/errdefs.ts';

async function withDirs(fn: (layer: string, outside: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'berth-apply-'));
  try {
    const layer = join(base, 'a', 'b', 'layer');
    const outside = join(base, 'outside');
    await (await import('node:fs/promises')).mkdir(layer, { recursive: true });
    await (await import('node:fs/promises')).mkdir(outside);
    await fn(layer, outside);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const mtime = new Date('2020-01-02T03:04:05Z');

const sample: TarEntry[] = [
  { name: 'bin/', type: 'directory', mode: 0o755, mtime },
  { name: 'bin/busybox', body: 'ELF...', mode: 0o4755, uid: 0, gid: 0, mtime },
  { name: 'bin/sh', type: 'symlink', linkname: 'busybox', mtime },
  { name: 'bin/ash', type: 'link', linkname: 'bin/busybox' },
  { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644, uid: 1000, gid: 1001, mtime },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
  { name: 'run/fifo', type: 'fifo', mode: 0o600 },
  { name: 'data/x', body: 'x', pax: { 'SCHILY.xattr.user.note': 'hello' } } as TarEntry,
  { name: 'gone/.wh.old', body: '' },
  { name: 'opaque/.wh..wh..opq', body: '' },
  { name: 'opaque/kept', body: 'k' },
];

test('unpacks files, links, devices, whiteouts and metadata; diff id is the tar sha256', async () => {
  const tarBuf = await buildTar(sample);
  await withDirs(async (dir) => {
    const r = await applyLayer(Readable.from([tarBuf]), dir);
    assert.equal(r.diffId, sha(tarBuf));
    const bb = await stat(join(dir, 'bin/busybox'));
    assert.equal(bb.mode & 0o7777, 0o4755);
    assert.equal(bb.mtime.getTime(), mtime.getTime());
    assert.equal(await readlink(join(dir, 'bin/sh')), 'busybox');
    assert.equal((await stat(join(dir, 'bin/ash'))).ino, bb.ino);
    const pw = await stat(join(dir, 'etc/passwd'));
    assert.deepEqual([pw.uid, pw.gid], [1000, 1001]);
    const dn = await lstat(join(dir, 'dev/null'));
    assert.ok(dn.isCharacterDevice());
    assert.equal(dn.rdev, (1 << 8) | 3);
    assert.ok((await lstat(join(dir, 'run/fifo'))).isFIFO());
    assert.equal(lgetxattr(join(dir, 'data/x'), 'user.note')?.toString(), 'hello');
    const wh = await lstat(join(dir, 'gone/old'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.deepEqual(await readdir(join(dir, 'gone')), ['old']);
    assert.equal(lgetxattr(join(dir, 'opaque'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(await readFile(join(dir, 'opaque/kept'), 'utf8'), 'k');
    assert.equal((await stat(join(dir, 'bin'))).mtime.getTime(), mtime.getTime());
  });
});

test('gzip and zstd layers give the same diff id as the plain tar', async () => {
  const tarBuf = await buildTar(sample);
  for (const packed of [gzipSync(tarBuf), zstdCompressSync(tarBuf)]) {
    await withDirs(async (dir) => {
      const r = await applyLayer(Readable.from([packed]), dir);
      assert.equal(r.diffId, sha(tarBuf));
    });
  }
});

test('absolute names land inside the layer root', async () => {
  await withDirs(async (dir) => {
    await applyLayer(Readable.from([await buildTar([{ name: '/abs/file', body: 'a' }, { name: '/../../up', body: 'u' }])]), dir);
    assert.equal(await readFile(join(dir, 'abs/file'), 'utf8'), 'a');
    assert.equal(await readFile(join(dir, 'up'), 'utf8'), 'u');
  });
});

const hostile: Record<string, (outside: string) => TarEntry[]> = {
  'dot-dot escape': () => [{ name: '../../../outside/pwned', body: 'x' }],
  'dot-dot in the middle': () => [{ name: 'a/../../../../outside/pwned', body: 'x' }],
  'file through a symlink (absolute)': (o) => [{ name: 'l', type: 'symlink', linkname: o }, { name: 'l/pwned', body: 'x' }],
  'file through a symlink (relative)': () => [{ name: 'l', type: 'symlink', linkname: '../../../outside' }, { name: 'l/pwned', body: 'x' }],
  'dir replaced by a symlink': (o) => [
    { name: 'd/', type: 'directory' }, { name: 'd', type: 'symlink', linkname: o }, { name: 'd/pwned', body: 'x' }],
  'whiteout through a symlink': (o) => [{ name: 'l', type: 'symlink', linkname: o }, { name: 'l/.wh.pwned', body: '' }],
  'hardlink escaping with ..': () => [{ name: 'hl', type: 'link', linkname: '../../../outside/secret' }],
  'hardlink to an absolute host path': () => [{ name: 'hl', type: 'link', linkname: '/etc/passwd' }],
  'hardlink through a symlink': (o) => [{ name: 'l', type: 'symlink', linkname: o }, { name: 'hl', type: 'link', linkname: 'l/secret' }],
};

for (const [name, entries] of Object.entries(hostile)) {
  test(`hostile tar refused: ${name}`, async () => {
    await withDirs(async (dir, outside) => {
      await (await import('node:fs/promises')).writeFile(join(outside, 'secret'), 's');
      const tarBuf = await buildTar(entries(outside));
      await assert.rejects(applyLayer(Readable.from([tarBuf]), dir), (e) => isInvalidArgument(e));
      assert.deepEqual(await readdir(outside), ['secret']);
      assert.equal(await readFile(join(outside, 'secret'), 'utf8'), 's');
      assert.deepEqual((await readdir(join(outside, '..'))).sort(), ['a', 'outside']);
    });
  });
}

test('corrupt input fails with invalid-argument', async () => {
  await withDirs(async (dir) => {
    const gz = gzipSync(await buildTar(sample));
    await assert.rejects(applyLayer(Readable.from([gz.subarray(0, gz.length - 40)]), dir), (e) => isInvalidArgument(e));
    const junk = Buffer.alloc(2048, 7);
    await assert.rejects(applyLayer(Readable.from([junk]), dir), (e) => isInvalidArgument(e));
  });
});
