import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { extractContext, cleanEntryName } from './extract.ts';
import { openBuildContext, locateDockerfile } from './build-context.ts';
import { checksumSources } from './checksum.ts';
import { filepathMatch } from './filepath-match.ts';
import { parseDockerignore } from './dockerignore.ts';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; body?: string; linkname?: string; mode?: number };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, linkname: e.linkname, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644) };
    if (type === 'file') p.entry(header, e.body ?? '');
    else p.entry(header);
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'berth-ctx-test-'));
}

test('extracts plain, gzip, bzip2 and xz contexts', async () => {
  const tar = await makeTar([{ name: 'Dockerfile', body: 'FROM scratch\n' }, { name: 'dir/', type: 'directory' }, { name: 'dir/a', body: 'A', mode: 0o750 }]);
  const variants: [string, Buffer][] = [
    ['none', tar],
    ['gzip', gzipSync(tar)],
    ['bzip2', execFileSync('bzip2', ['-c'], { input: tar })],
    ['xz', execFileSync('xz', ['-c'], { input: tar })],
  ];
  for (const [kind, body] of variants) {
    const dir = tmp();
    try {
      const r = await extractContext(Readable.from([body]), dir);
      assert.equal(r.compression, kind);
      assert.equal(readFileSync(join(dir, 'dir/a'), 'utf8'), 'A');
      assert.equal(lstatSync(join(dir, 'dir/a')).mode & 0o777, 0o750);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('entry names are cleaned; escapes rejected', () => {
  assert.equal(cleanEntryName('/abs/file'), 'abs/file');
  assert.equal(cleanEntryName('./a/../b/'), 'b');
  assert.throws(() => cleanEntryName('../x'), /escapes the build context/);
  assert.throws(() => cleanEntryName('a/../../x'), /escapes the build context/);
});

test('hostile tars cannot write outside the context', async () => {
  const outside = tmp();
  const cases: Entry[][] = [
    [{ name: '../evil', body: 'x' }],
    [{ name: 'a/../../evil', body: 'x' }],
    [{ name: 'link', type: 'symlink', linkname: outside }, { name: 'link/evil', body: 'x' }],
    [{ name: 'link', type: 'symlink', linkname: '../../../../..' + outside }, { name: 'link/evil', body: 'x' }],
    [{ name: 'hl', type: 'link', linkname: '../../etc/passwd' }],
  ];
  for (const entries of cases) {
    const dir = tmp();
    try {
      await assert.rejects(extractContext(Readable.from([await makeTar(entries)]), dir), JSON.stringify(entries));
      assert.equal(existsSync(join(outside, 'evil')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // An absolute name lands inside; a file replacing a symlink replaces the link, not its target.
  const dir = tmp();
  writeFileSync(join(outside, 'target'), 'keep');
  try {
    await extractContext(Readable.from([await makeTar([
      { name: '/abs.txt', body: 'in' },
      { name: 'f', type: 'symlink', linkname: join(outside, 'target') },
      { name: 'f', body: 'replaced' },
    ])]), dir);
    assert.equal(readFileSync(join(dir, 'abs.txt'), 'utf8'), 'in');
    assert.equal(readFileSync(join(outside, 'target'), 'utf8'), 'keep');
    assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'replaced');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('openBuildContext: .dockerignore applied, control files kept for reading then dropped if excluded', async () => {
  const tar = await makeTar([
    { name: 'Dockerfile', body: 'FROM scratch\nCOPY . /\n' },
    { name: '.dockerignore', body: '# comment\n*.log\n/secret\nnode_modules\n!node_modules/keep\nDockerfile\n.dockerignore\n' },
    { name: 'a.log', body: 'x' }, { name: 'sub/b.log', body: 'x' }, { name: 'secret', body: 's' }, { name: 'app.js', body: 'ok' },
    { name: 'node_modules/x/index.js', body: 'x' }, { name: 'node_modules/keep', body: 'k' },
  ]);
  const ctx = await openBuildContext(Readable.from([tar]));
  try {
    assert.equal(ctx.dockerfileText, 'FROM scratch\nCOPY . /\n');
    assert.equal(existsSync(join(ctx.dir, 'app.js')), true);
    assert.equal(existsSync(join(ctx.dir, 'a.log')), false);
    assert.equal(existsSync(join(ctx.dir, 'sub/b.log')), true); // `*.log` matches only at the root, as in Docker
    assert.equal(existsSync(join(ctx.dir, 'secret')), false);
    assert.equal(existsSync(join(ctx.dir, 'node_modules/x/index.js')), false);
    assert.equal(existsSync(join(ctx.dir, 'node_modules/keep')), true);
    assert.equal(existsSync(join(ctx.dir, 'Dockerfile')), false);
    assert.equal(existsSync(join(ctx.dir, '.dockerignore')), false);
  } finally {
    await ctx[Symbol.asyncDispose]();
  }
  assert.equal(existsSync(ctx.dir), false);
});

test('Dockerfile location: default, lowercase fallback, custom name, missing, empty, symlink in scope', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'dockerfile'), 'FROM a\n');
    assert.equal((await locateDockerfile(dir)).path, 'dockerfile');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub/Build.df'), 'FROM b\n');
    assert.equal((await locateDockerfile(dir, 'sub/Build.df')).text, 'FROM b\n');
    await assert.rejects(locateDockerfile(dir, 'nope'), { message: 'Cannot locate specified Dockerfile: nope' });
    writeFileSync(join(dir, 'empty'), '');
    await assert.rejects(locateDockerfile(dir, 'empty'), { message: 'the Dockerfile (empty) cannot be empty' });
    symlinkSync('/sub/Build.df', join(dir, 'abs-link'));
    assert.equal((await locateDockerfile(dir, 'abs-link')).path, 'sub/Build.df');
    symlinkSync('../../../../../etc/passwd', join(dir, 'escape'));
    await assert.rejects(locateDockerfile(dir, 'escape'), { message: 'Cannot locate specified Dockerfile: escape' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fixture(): string {
  const dir = tmp();
  mkdirSync(join(dir, 'src/deep'), { recursive: true });
  writeFileSync(join(dir, 'src/a.txt'), 'a');
  writeFileSync(join(dir, 'src/b.md'), 'b');
  writeFileSync(join(dir, 'src/deep/c.txt'), 'c');
  writeFileSync(join(dir, 'top.txt'), 'top');
  symlinkSync('top.txt', join(dir, 'link'));
  return dir;
}

test('checksums ignore mtimes but see content, mode and symlink targets', async () => {
  const a = fixture();
  const b = fixture();
  try {
    utimesSync(join(b, 'src/a.txt'), 1000, 1000);
    utimesSync(join(b, 'src'), 2000, 2000);
    const sum = async (d: string, p = ['src', 'top.txt']) => (await checksumSources(d, p)).digest;
    assert.equal(await sum(a), await sum(b));
    writeFileSync(join(b, 'src/deep/c.txt'), 'C');
    assert.notEqual(await sum(a), await sum(b));
    writeFileSync(join(b, 'src/deep/c.txt'), 'c');
    assert.equal(await sum(a), await sum(b));
    chmodSync(join(b, 'top.txt'), 0o755);
    assert.notEqual(await sum(a), await sum(b));
    chmodSync(join(b, 'top.txt'), 0o644);
    assert.equal(await sum(a), await sum(b));
    // A named symlink is followed; links met inside a directory are hashed as links.
    const viaLink = await checksumSources(a, ['link']);
    assert.deepEqual(viaLink.sources[0]!.paths, ['top.txt']);
    symlinkSync('a.txt', join(a, 'src/l'));
    symlinkSync('b.md', join(b, 'src/l'));
    assert.notEqual(await sum(a, ['src']), await sum(b, ['src']));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('wildcards use Go filepath.Match; errors in Docker words', async () => {
  const d = fixture();
  try {
    const r = await checksumSources(d, ['/src/*.txt', './*.txt']);
    assert.deepEqual(r.sources.map((s) => s.paths), [['src/a.txt'], ['top.txt']]);
    const ex = await checksumSources(d, ['src'], { exclude: ['src/*.md'] });
    assert.equal(ex.files.includes('src/b.md'), false);
    await assert.rejects(checksumSources(d, ['missing.txt']), {
      message: 'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist',
    });
    await assert.rejects(checksumSources(d, ['../x'], { cmdName: 'ADD' }), { message: 'ADD failed: forbidden path outside the build context: ../x ()' });
    await assert.rejects(checksumSources(d, ['*.nothing']), { message: 'COPY failed: no source files were specified' });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('filepath.Match rules', () => {
  const t: [string, string, boolean][] = [
    ['*.txt', 'a.txt', true], ['*.txt', 'd/a.txt', false], ['*/*.txt', 'd/a.txt', true], ['a?c', 'abc', true],
    ['a?c', 'a/c', false], ['[a-c]x', 'bx', true], ['[^a-c]x', 'bx', false], ['[!a]x', '!x', true], ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false], ['*', '', true], ['a*', 'a/b', false],
  ];
  for (const [p, n, want] of t) assert.equal(filepathMatch(p, n), want, `${p} ~ ${n}`);
  assert.throws(() => filepathMatch('[', 'a'), /syntax error in pattern/);
});

test('.dockerignore file parsing', () => {
  assert.deepEqual(parseDockerignore('# c\n\n  /a/b/  \n!./keep\n./x/../y\n'), ['a/b', '!keep', 'y']);
  // readlink sanity for the fixtures above
  const d = fixture();
  assert.equal(readlinkSync(join(d, 'link')), 'top.txt');
  rmSync(d, { recursive: true, force: true });
});
