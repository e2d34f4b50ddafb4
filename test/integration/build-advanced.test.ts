/**
 * The builder beyond the classic instruction set, with the real docker CLI against berthd (started with
 * --experimental, which the CLI requires before it sends --squash): RUN --mount, --squash, parallel stages,
 * --cache-from, and the build cache in `system df` / `builder prune`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Daemon } from './harness.ts';
import { FIXTURES, buildHelpers } from './build-helpers.ts';


describe('docker build: RUN --mount, --squash, parallel stages, --cache-from, build cache', () => {
  let d: Daemon;
  let tmp: string;
  before(async () => {
    d = await Daemon.start({ args: ['--experimental'] });
    await d.importBusybox();
    tmp = await mkdtemp(join(tmpdir(), 'berth-build-adv-'));
  });
  after(async () => {
    await d?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const { fixture, build, built, noLeftovers } = buildHelpers(() => d, () => tmp);


  test('RUN --mount: bind from the context and a stage, cache kept across builds, tmpfs, rw bind discarded, optional secret', async () => {
    const dir = await fixture('run-mount');
    await built(['-t', 'mnt:1', dir]);
    const show = (image: string) => d.ok(['run', '--rm', image, 'sh', '-c', 'cat /got.txt /count /tmpfs-kb /tool.txt /sub.txt /secret.txt']);
    assert.equal(await show('mnt:1'), 'hello\n1\n1024\ntool\ns\nno-secret');
    // Mount points the image did not have are not left in it; the context is untouched by the rw mount.
    assert.equal(await d.ok(['run', '--rm', 'mnt:1', 'sh', '-c', 'ls -d /in /cache /scratch /t /w/ctx 2>&1 | wc -l; ls /w | wc -l']), '5\n0');
    assert.equal(await readFile(join(dir, 'data.txt'), 'utf8'), 'hello\n');

    // Nothing changed: every step from the cache. --no-cache runs again and sees the cache directory's content.
    const again = await built(['-t', 'mnt:2', dir]);
    assert.equal(again.match(/ ---> Using cache/g)?.length, 8, again);
    await built(['--no-cache', '-t', 'mnt:3', dir]);
    assert.match(await show('mnt:3'), /^hello\n2\n/);

    // A bind-mounted file's content is part of the RUN's cache key: changing sub/f reruns only the steps that see it.
    await writeFile(join(dir, 'sub/f'), 'changed\n');
    const changed = await built(['-t', 'mnt:4', dir]);
    const steps = changed.split(/^Step /m).slice(1);
    for (const i of [1, 3, 4, 5, 6, 7]) assert.match(steps[i]!, /Using cache/, `step ${i + 1} cached`);
    assert.doesNotMatch(steps[8]!, /Using cache/, 'the rw bind of the context reruns');
    assert.equal(await d.ok(['run', '--rm', 'mnt:4', 'cat', '/sub.txt']), 'changed');

    // A required secret cannot be given over the classic API: the step fails with the secret's name.
    const secretDir = join(tmp, 'secret');
    await cp(dir, secretDir, { recursive: true });
    await writeFile(join(secretDir, 'Dockerfile'), 'FROM busybox\nRUN --mount=type=secret,id=npmrc,required true\n');
    const r = await build([secretDir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /secret npmrc: not found/);
    await noLeftovers();
  });

  test('--squash: the build\'s layers become one on the base; history keeps the steps; the files are right', async () => {
    const base = JSON.parse(await d.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'busybox'])) as string[];
    const baseId = await d.ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox']);
    await built(['--squash', '-t', 'sq', await fixture('squash')]);
    const layers = JSON.parse(await d.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'sq'])) as string[];
    assert.equal(layers.length, base.length + 1);
    assert.deepEqual(layers.slice(0, base.length), base);
    const history = (await d.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'sq'])).split('\n');
    assert.match(history[0]!, new RegExp(`^\\|merge sha256:[0-9a-f]{64} to ${baseId}$`));
    assert.match(history[1]!, /CMD \["cat" "\/a" "\/d\/e\/f"\]/);
    assert.match(history[3]!, /rm \/gone \/bin\/vi/);
    assert.equal(await d.ok(['run', '--rm', 'sq']), 'a\nx');
    assert.equal(await d.ok(['run', '--rm', 'sq', 'sh', '-c', 'ls /gone /bin/vi 2>/dev/null; echo $SQUASHED']), 'yes');
    await noLeftovers();
  });

  test('independent stages build at the same time; unused stages do not run; output stays in stage order', async () => {
    const out = await built(['--build-arg', `RUN_ID=${Date.now()}`, '-t', 'par', await fixture('parallel-stages')]);
    assert.equal(await d.ok(['run', '--rm', 'par']), 'L\nR');
    const stepLines = out.split('\n').filter((l) => l.startsWith('Step '));
    assert.deepEqual(stepLines.map((l) => l.replace(/ :.*/, '')), Array.from({ length: 10 }, (_, i) => `Step ${i + 1}/10`));
    assert.doesNotMatch(out, /exit 1/);

    // A failing stage stops the others and leaves nothing behind.
    const dir = join(tmp, 'par-fail');
    await cp(join(FIXTURES, 'parallel-stages'), dir, { recursive: true });
    await writeFile(join(dir, 'Dockerfile'), 'FROM busybox AS a\nRUN sleep 30\nFROM busybox AS b\nRUN echo failing; exit 7\nFROM busybox\nCOPY --from=a / /a\nCOPY --from=b / /b\n');
    const t0 = Date.now();
    const r = await build(['--no-cache', dir]);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo failing; exit 7' returned a non-zero code: 7/);
    assert.ok(Date.now() - t0 < 25_000, 'the sleeping stage was stopped');
    await noLeftovers();
  });

  test('--cache-from: an image loaded from an archive (no parent chain here) serves as the cache', async () => {
    const dir = join(tmp, 'cachefrom');
    await cp(join(FIXTURES, 'workshop'), dir, { recursive: true });
    await built(['-t', 'cf:1', dir]);
    const id = await d.ok(['image', 'inspect', '-f', '{{.Id}}', 'cf:1']);
    const archive = join(tmp, 'cf.tar');
    await d.ok(['save', '-o', archive, 'cf:1']);
    await d.ok(['rmi', 'cf:1']);
    await d.ok(['builder', 'prune', '-af']);
    await d.ok(['load', '-i', archive]);
    const out = await built(['--cache-from', 'cf:1', '-t', 'cf:2', dir]);
    assert.equal(out.match(/ ---> Using cache/g)?.length, 7, out);
    assert.equal(await d.ok(['image', 'inspect', '-f', '{{.Id}}', 'cf:2']), id);
    // The steps it served are local cache from now on; a --cache-from image that does not exist is skipped.
    const local = await built(['--cache-from', 'missing:1', '-t', 'cf:3', dir]);
    assert.equal(local.match(/ ---> Using cache/g)?.length, 7, local);
  });

  test('--add-host and --shm-size reach the RUN containers', async () => {
    const dir = join(tmp, 'hosts');
    await cp(join(FIXTURES, 'squash'), dir, { recursive: true });
    await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nRUN grep buildhost /etc/hosts > /hosts && df -k /dev/shm | tail -1 | awk \'{print $2}\' > /shm\n');
    await built(['--add-host', 'buildhost:10.1.2.3', '--shm-size', '96m', '-t', 'hosts', dir]);
    assert.equal(await d.ok(['run', '--rm', 'hosts', 'cat', '/hosts', '/shm']), '10.1.2.3\tbuildhost\n98304');
  });

  test('a context tar on stdin, plain or compressed with gzip, bzip2 or xz', async () => {
    const dir = join(tmp, 'stdin-ctx');
    await cp(join(FIXTURES, 'squash'), dir, { recursive: true });
    await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n');
    await writeFile(join(dir, 'hello.txt'), 'from a tar on stdin\n');
    const tar = execFileSync('tar', ['-C', dir, '-c', 'Dockerfile', 'hello.txt']);
    const variants: [string, Buffer][] = [
      ['plain', tar],
      ['gzip', gzipSync(tar)],
      ['bzip2', execFileSync('bzip2', ['-c'], { input: tar })],
      ['xz', execFileSync('xz', ['-c'], { input: tar })],
    ];
    for (const [kind, body] of variants) {
      const r = await d.docker(['build', '-t', `stdin:${kind}`, '-'], { input: body, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
      assert.equal(await d.ok(['run', '--rm', `stdin:${kind}`]), 'from a tar on stdin', kind);
    }
  });

  test('system df counts the build cache and builder prune frees it', async () => {
    const dir = await fixture('run-mount');
    await built(['-t', 'cache:1', dir]);
    const df = JSON.parse(await d.ok(['system', 'df', '--format', '{{json .}}']).then((t) => `[${t.split('\n').join(',')}]`)) as { Type: string; TotalCount: string }[];
    const cacheRow = df.find((r) => r.Type === 'Build Cache')!;
    assert.ok(Number(cacheRow.TotalCount) > 0, JSON.stringify(df));
    const verbose = await d.ok(['system', 'df', '-v']);
    assert.match(verbose, /exec\.cachemount/);

    // Not -a: the intermediate images of a tagged build stay (it is still fully cached); the cache mounts go.
    const pruned = await d.ok(['builder', 'prune', '-f']);
    assert.match(pruned, /Total reclaimed space: /);
    assert.doesNotMatch(await d.ok(['system', 'df', '-v']), /exec\.cachemount/);
    const again = await built(['-t', 'cache:2', dir]);
    assert.match(again, /Step 4\/10 : WORKDIR \/w\n ---> Using cache/);

    // -a: all build cache; the next build runs every step.
    const all = await d.ok(['builder', 'prune', '-af']);
    assert.match(all, /Deleted build cache objects:\n[0-9a-f]+/);
    const cold = await built(['-t', 'cache:3', dir]);
    assert.doesNotMatch(cold, /Using cache/);
    const rb = await d.docker(['builder', 'prune', '-f', '--filter', 'bogus=1']);
    assert.notEqual(rb.code, 0);
    assert.match(rb.stderr, /invalid filter 'bogus'/);
  });
});
