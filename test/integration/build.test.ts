/**
 * `docker build` (classic builder: CLI 28 without buildx, DOCKER_BUILDKIT unset) against a real berthd, over the
 * Dockerfile corpus in test/fixtures/dockerfiles/. Each image is built, run and inspected; then the cache and
 * bad input (each failure must leave no container, mount or build layer behind).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Daemon } from './harness.ts';
import { buildHelpers } from './build-helpers.ts';


describe('docker build (classic builder)', () => {
  let d: Daemon;
  let tmp: string;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    tmp = await mkdtemp(join(tmpdir(), 'berth-build-'));
  });
  after(async () => {
    await d?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const { fixture, build, built, noLeftovers } = buildHelpers(() => d, () => tmp);

  const config = async (image: string) => JSON.parse(await d.ok(['image', 'inspect', '-f', '{{json .Config}}', image])) as Record<string, unknown>;

  test('workshop flow: RUN, WORKDIR, COPY, LABEL, CMD; history; cache; one changed file rebuilds from its COPY on', async () => {
    const dir = await fixture('workshop');
    const out = await built(['-t', 'workshop:1', dir]);
    assert.match(out, /^Step 1\/8 : FROM busybox$/m);
    assert.match(out, /^Step 5\/8 : RUN cat requirements.txt/m);
    assert.match(out, /^ ---> Running in [0-9a-f]{12}$/m);
    assert.match(out, /^installing requirements$/m);
    assert.match(out, /^Removing intermediate container [0-9a-f]{12}$/m);
    assert.match(out, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(out, /^Successfully tagged workshop:1$/m);
    assert.equal(await d.ok(['run', '--rm', 'workshop:1']), 'installed flask==3.0\nprint("hello from app")');
    const c = await config('workshop:1');
    assert.equal(c.WorkingDir, '/app');
    assert.deepEqual(c.Labels, { a: '1', b: '2' });
    assert.deepEqual(c.Cmd, ['sh', '-c', 'cat /app/installed.txt /app/app.py']);
    const history = await d.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'workshop:1']);
    const lines = history.split('\n');
    assert.equal(lines[0], '/bin/sh -c #(nop)  CMD ["sh" "-c" "cat /app/installed.txt /app/app.py"]');
    assert.equal(lines[1], '/bin/sh -c #(nop)  LABEL a=1 b=2');
    assert.match(lines[2]!, /^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \. $/);
    assert.equal(lines[5], '/bin/sh -c #(nop) WORKDIR /app');
    assert.equal(lines[6], '/bin/sh -c mkdir /app');
    await noLeftovers();

    // Unchanged: every step from the cache, same image.
    const id1 = await d.ok(['image', 'inspect', '-f', '{{.Id}}', 'workshop:1']);
    const again = await built(['-t', 'workshop:2', dir]);
    assert.equal(again.match(/ ---> Using cache/g)?.length, 7, again);
    assert.equal(await d.ok(['image', 'inspect', '-f', '{{.Id}}', 'workshop:2']), id1);

    // One copied file changed: steps before `COPY . .` cached, from it on rebuilt.
    await writeFile(join(dir, 'app.py'), 'print("changed")\n');
    const changed = await built(['-t', 'workshop:3', dir]);
    const steps = changed.split(/^Step /m).slice(1);
    assert.equal(steps.length, 8);
    for (const i of [1, 2, 3, 4]) assert.match(steps[i]!, /Using cache/, `step ${i + 1} cached`);
    for (const i of [5, 6, 7]) assert.doesNotMatch(steps[i]!, /Using cache/, `step ${i + 1} rebuilt`);
    assert.equal(await d.ok(['run', '--rm', 'workshop:3']), 'installed flask==3.0\nprint("changed")');

    // --no-cache rebuilds everything.
    const nocache = await built(['--no-cache', '-t', 'workshop:4', dir]);
    assert.doesNotMatch(nocache, /Using cache/);
  });

  test('ENTRYPOINT script ending in exec "$@" with CMD as its arguments', async () => {
    await built(['-t', 'entry', await fixture('entrypoint')]);
    assert.equal(await d.ok(['run', '--rm', 'entry']), 'entrypoint sees: echo hello world\nhello world');
    assert.equal(await d.ok(['run', '--rm', 'entry', 'echo', 'other']), 'entrypoint sees: echo other\nother');
    const c = await config('entry');
    assert.deepEqual(c.Entrypoint, ['docker-entrypoint.sh']);
    assert.deepEqual(c.Cmd, ['echo', 'hello', 'world']);
  });

  test('ARG fed by --build-arg; defaults; RUN history records the args', async () => {
    const dir = await fixture('buildarg');
    await built(['--build-arg', 'GITHUB_PAT=ghp_secret', '-t', 'args', dir]);
    assert.equal(await d.ok(['run', '--rm', 'args']), 'pat=ghp_secret');
    const c = await config('args');
    assert.ok((c.Env as string[]).includes('APP_VERSION=1.0'));
    assert.ok(!(c.Env as string[]).some((e) => e.startsWith('GITHUB_PAT')), 'build args are not kept in the image env');
    const history = await d.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'args']);
    assert.match(history, /^\|2 GITHUB_PAT=ghp_secret VERSION=1\.0 \/bin\/sh -c echo/m);
    await built(['--build-arg', 'VERSION=2.5', '-t', 'args2', dir]);
    assert.equal(await d.ok(['run', '--rm', 'args2']), 'pat=unset');
    assert.ok(((await config('args2')).Env as string[]).includes('APP_VERSION=2.5'));
    const warn = await built(['--build-arg', 'NOT_DECLARED=1', dir]);
    assert.match(warn, /\[Warning\] One or more build-args \[NOT_DECLARED\] were not consumed/);
  });

  test('EXPOSE 80 443 5000, USER, STOPSIGNAL; --label and several -t', async () => {
    await built(['-t', 'web:a', '-t', 'web:b', '--label', 'team=core', await fixture('expose')]);
    const c = await config('web:a');
    assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '443/tcp': {}, '5000/tcp': {} });
    assert.equal(c.User, 'nobody');
    assert.equal(c.StopSignal, 'SIGTERM');
    assert.deepEqual(c.Labels, { team: 'core' });
    assert.equal(await d.ok(['image', 'inspect', '-f', '{{.Id}}', 'web:a']), await d.ok(['image', 'inspect', '-f', '{{.Id}}', 'web:b']));
    assert.equal(await d.ok(['run', '--rm', 'web:a', 'id', '-un']), 'nobody');
  });

  test('.dockerignore with **/.DS_Store, **/__pycache__, .git, *.md and a ! exception', async () => {
    const dir = await fixture('dockerignore');
    for (const f of ['.DS_Store', 'sub/.DS_Store', 'NOTES.md', 'sub/__pycache__/x.pyc', '.git/HEAD']) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), 'x');
    }
    await built(['-t', 'ign', dir]);
    const files = (await d.ok(['run', '--rm', 'ign', 'find', '/src', '-type', 'f'])).split('\n').sort();
    assert.deepEqual(files, ['/src/.dockerignore', '/src/Dockerfile', '/src/README.md', '/src/keep.txt', '/src/sub/code.py']);
  });

  test('-f Dockerfile.django, and -f - from stdin', async () => {
    const dir = await fixture('django');
    await built(['-f', join(dir, 'Dockerfile.django'), '-t', 'django', dir]);
    assert.equal(await d.ok(['run', '--rm', 'django']), '# django manage');
    const c = await config('django');
    assert.equal(c.WorkingDir, '/code');
    assert.ok((c.Env as string[]).includes('PYTHONUNBUFFERED=1'));
    const r = await build(['-f', '-', '-t', 'stdin', dir], 'FROM busybox\nCOPY manage.py /m.py\nCMD ["cat", "/m.py"]\n');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(await d.ok(['run', '--rm', 'stdin']), '# django manage');
  });

  test('multi-stage with COPY --from: only the stages the target needs run; --target', async () => {
    const dir = await fixture('multistage');
    const out = await built(['-t', 'multi', dir]);
    assert.doesNotMatch(out, /exit 7/, 'the unused stage is skipped');
    assert.equal(await d.ok(['run', '--rm', 'multi']), 'COMPILED BINARY');
    await built(['--target', 'build', '-t', 'multi-build', dir]);
    assert.equal(await d.ok(['run', '--rm', 'multi-build', 'cat', '/out.txt']), 'COMPILED BINARY');
    const r = await build(['--target', 'broken', dir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);
    await noLeftovers();
  });

  test('ADD of a local tar.gz is unpacked; COPY --chown/--chmod; SHELL', async () => {
    await built(['-t', 'add', await fixture('add-archive')]);
    assert.equal(await d.ok(['run', '--rm', 'add', 'cat', '/opt/pkg/file.txt']), 'inside');
    assert.equal(await d.ok(['run', '--rm', 'add', 'stat', '-c', '%U:%G %a', '/etc/secret.txt']), 'nobody:nogroup 600');
    assert.deepEqual((await config('add')).Shell, ['/bin/sh', '-e', '-c']);
  });

  test('VOLUME, then --volumes-from sees the image content', async () => {
    await built(['-t', 'vol', await fixture('volume')]);
    assert.deepEqual((await config('vol')).Volumes, { '/data': {} });
    // Started once, so the anonymous volume is populated from the image (create alone does not copy yet).
    await d.ok(['run', '--name', 'datavol', 'vol', 'true']);
    assert.equal(await d.ok(['run', '--rm', '--volumes-from', 'datavol', 'busybox', 'cat', '/data/seed']), 'seed');
    await d.ok(['rm', '-v', 'datavol']);
  });

  test('ONBUILD triggers run in the child build; HEALTHCHECK, MAINTAINER; FROM scratch with COPY --from=0 and a heredoc', async () => {
    const dir = await fixture('onbuild');
    await built(['-f', join(dir, 'Dockerfile.base'), '-t', 'onbuild-base', dir]);
    const base = await config('onbuild-base');
    assert.deepEqual(base.OnBuild, ['COPY f.txt /onbuild.txt']);
    assert.deepEqual(base.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost || exit 1'], Interval: 30_000_000_000, Retries: 3 });
    assert.equal(await d.ok(['image', 'inspect', '-f', '{{.Author}}', 'onbuild-base']), 'someone@example.com');
    const out = await built(['-t', 'onbuild-child', dir]);
    assert.match(out, /# Executing 1 build trigger\n/);
    assert.match(out, /^hello$/m);
    const cid = await d.ok(['create', 'onbuild-child', 'x']);
    const r = await d.docker(['export', cid]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /inline text\n/);
    assert.match(r.stdout, /onbuild\.txt/);
    await d.ok(['rm', cid]);
  });

  test('-q prints only the image ID; rmi takes the build\'s intermediate images along; dependent children protect a parent', async () => {
    const dir = await mkdtemp(join(tmp, 'quiet-'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo quiet > /q\nENV Q=1\nCMD ["cat", "/q"]\n');
    const before = (await d.ok(['images', '-aq'])).split('\n').filter(Boolean).length;
    const r = await build(['-q', '-t', 'quiet', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    assert.equal(await d.ok(['run', '--rm', 'quiet']), 'quiet');
    assert.equal((await d.ok(['images', '-aq'])).split('\n').filter(Boolean).length, before + 3);
    const parent = await d.ok(['image', 'inspect', '-f', '{{.Parent}}', 'quiet']);
    assert.match(parent, /^sha256:/);
    assert.ok(!(await d.ok(['images', '-q', '--no-trunc'])).includes(parent), 'intermediate images only with -a');
    assert.ok((await d.ok(['images', '-aq', '--no-trunc'])).includes(parent));
    const rmParent = await d.docker(['rmi', parent]);
    assert.match(rmParent.stderr, /image has dependent child images/);
    await d.ok(['rmi', 'quiet']);
    assert.equal((await d.ok(['images', '-aq'])).split('\n').filter(Boolean).length, before);
  });

  test('ARG before FROM, heredocs, ENV/WORKDIR expansion, escape directive, SHELL/STOPSIGNAL/USER', async () => {
    await built(['-t', 'argfrom', await fixture('arg-before-from')]);
    assert.equal(await d.ok(['run', '--rm', 'argfrom']), 'base=busybox tag=unset');

    await built(['-t', 'heredoc', await fixture('heredoc')]);
    assert.equal(await d.ok(['run', '--rm', 'heredoc']), 'one\ntwo\nthree');

    await built(['-t', 'envwd', await fixture('env-workdir')]);
    assert.equal(await d.ok(['run', '--rm', 'envwd']), '/srv/app/sub\nhello world\nfallback');
    const ew = await config('envwd');
    assert.equal(ew.WorkingDir, '/srv/app/sub');
    assert.deepEqual(ew.Cmd, ['/bin/sh', '-c', 'pwd && cat g.txt']);
    assert.ok((ew.Env as string[]).includes('GREETING=hello world'));

    await built(['-t', 'escaped', await fixture('escape-directive')]);
    assert.equal(await d.ok(['run', '--rm', 'escaped', 'cat', '/e.txt', '/dest/a file.txt']), 'one two\nspaced');

    await built(['-t', 'shellsig', await fixture('shell-signal')]);
    const ss = await config('shellsig');
    assert.deepEqual(ss.Shell, ['/bin/busybox', 'sh', '-c']);
    assert.equal(ss.StopSignal, 'SIGUSR1');
    assert.equal(ss.User, '65534:65534');
    assert.deepEqual(ss.Healthcheck, { Test: ['NONE'] });
    assert.deepEqual(ss.Entrypoint, ['/bin/busybox', 'sh', '-c', 'echo entry']);
    assert.equal(await d.ok(['run', '--rm', 'shellsig']), 'entry');
    assert.equal(await d.ok(['run', '--rm', '--entrypoint', 'id', 'shellsig', '-u']), '65534');
    assert.equal(await d.ok(['run', '--rm', '--entrypoint', 'cat', 'shellsig', '/shell.txt']), 'sh');
    const history = await d.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'shellsig']);
    assert.match(history, /^\/bin\/busybox sh -c echo "\$0" > \/shell\.txt$/m, 'RUN goes through SHELL');
  });

  test('ADD unpacks bzip2 and xz archives; a plain file is copied', async () => {
    const dir = await fixture('add-compressed');
    const src = join(dir, 'pkgsrc');
    await mkdir(join(src, 'lib'), { recursive: true });
    await writeFile(join(src, 'lib', 'data.txt'), 'packed\n');
    for (const [flag, name] of [['-j', 'pkg.tar.bz2'], ['-J', 'pkg.tar.xz']]) {
      const r = spawnSync('tar', [flag!, '-cf', join(dir, name!), '-C', src, 'lib']);
      assert.equal(r.status, 0, String(r.stderr));
    }
    await rm(src, { recursive: true });
    await built(['-t', 'addc', dir]);
    assert.equal(await d.ok(['run', '--rm', 'addc', 'cat', '/opt/bz/lib/data.txt', '/opt/xz/lib/data.txt', '/opt/plain/plain.txt']), 'packed\npacked\nplain');
    assert.equal(await d.ok(['run', '--rm', 'addc', 'ls', '/opt/bz']), 'lib');
  });

  test('ENTRYPOINT resets the inherited CMD; COPY wildcards, directory contents, --chmod; RUN --network; FROM an earlier stage', async () => {
    await built(['-t', 'epreset', await fixture('entrypoint-reset')]);
    const ep = await config('epreset');
    assert.deepEqual(ep.Entrypoint, ['echo', 'ep']);
    assert.equal(ep.Cmd ?? null, null, 'ENTRYPOINT clears the base image CMD');
    assert.equal(await d.ok(['run', '--rm', 'epreset', 'x']), 'ep x');

    await built(['-t', 'wild', await fixture('copy-wildcard')]);
    assert.equal(await d.ok(['run', '--rm', 'wild']), '/d:\nnested\n\n/d/nested:\nn.dat\n\n/w:\na.txt\nb.txt');
    assert.equal(await d.ok(['run', '--rm', 'wild', 'stat', '-c', '%a', '/usr/local/bin/run.sh']), '755');

    await built(['-t', 'netmode', await fixture('run-network')]);
    assert.equal(await d.ok(['run', '--rm', 'netmode', 'cat', '/net-none.txt']), 'lo');

    await built(['-t', 'chain', await fixture('stage-chain')]);
    assert.equal(await d.ok(['run', '--rm', 'chain']), 'from base');
    assert.ok(((await config('chain')).Env as string[]).includes('STAGE=base'));
    assert.equal(await d.ok(['run', '--rm', 'chain', 'cmp', '/copied-busybox', '/bin/busybox']), '');
    await noLeftovers();
  });

  test('bad input fails with Docker\'s messages and leaves nothing behind', async () => {
    const ctx = async (dockerfile: string, files: Record<string, string> = {}) => {
      const dir = await mkdtemp(join(tmp, 'bad-'));
      await writeFile(join(dir, 'Dockerfile'), dockerfile);
      for (const [k, v] of Object.entries(files)) await writeFile(join(dir, k), v);
      return dir;
    };
    const cases: [string, RegExp, number?][] = [
      ['FROM busybox\nFORM busybox\n', /dockerfile parse error on line 2: unknown instruction: FORM/],
      ['FROM busybox\nENV\n', /dockerfile parse error on line 2: ENV requires at least one argument/],
      ['FROM busybox\nCOPY missing.txt /\n', /COPY failed: file not found in build context or excluded by \.dockerignore: stat missing\.txt: file does not exist/],
      ['FROM busybox\nCOPY ../x /\n', /COPY failed: forbidden path outside the build context: \.\.\/x/],
      ['FROM busybox\nRUN echo before\nRUN exit 3\n', /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/, 3],
      ['FROM nosuchimage\n', /No such image: nosuchimage:latest/],
    ];
    for (const [df, msg, code] of cases) {
      const r = await build(['-t', 'bad-build', await ctx(df)]);
      assert.notEqual(r.code, 0, df);
      if (code !== undefined) assert.equal(r.code, code, df);
      assert.match(r.stderr, msg, `${df}\n${r.stderr}`);
      await noLeftovers();
    }
    assert.equal((await d.docker(['image', 'inspect', 'bad-build'])).code, 1, 'no image tagged by a failed build');
  });
});
