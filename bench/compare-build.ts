/**
 * Issue 4: Berth's classic builder against dockerd 20.10's classic builder, over the Dockerfile corpus in
 * test/fixtures/dockerfiles/. Each fixture is prepared once (the same context for both engines, with the build
 * args and flags test/integration/build.test.ts uses), built on Berth (docker CLI 28) and on dockerd (Debian's
 * /usr/bin/docker 20.10), both with DOCKER_BUILDKIT=0. Then each image is `docker create`d and `docker export`ed
 * and the trees compared (paths, types, modes, uid/gid, content digests, link targets; never mtimes), and the
 * image configs compared field by field. Differences named in EXCEPTIONS below are documented and allowed; any
 * other difference, or a build that fails on one engine only without a documented reason, exits 1. Beyond the
 * corpus it builds ADD <url> (from an HTTP server it runs on 127.0.0.1), COPY through symlinks out of the context,
 * COPY/ADD/WORKDIR corners and FROM a `berth registry serve` on loopback; expected failures compare messages.
 * Usage: bash bench/run.sh compare-build (BENCH_VERBOSE=1 also lists the documented path differences)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tar from 'tar-stream';
import { mustOk, sh, sideBySide, startBerth, startDockerd, type Engine } from './engines.ts';

const REPO = resolve(import.meta.dirname, '..');
const FIXTURES = join(REPO, 'test/fixtures/dockerfiles');

/** What the source fixtures reach: an HTTP server and a registry, both on 127.0.0.1, run by this script. */
interface Served { http: string; registry: string }

interface Fixture {
  /** Row name (and image tag). */
  name: string;
  /** Directory under test/fixtures/dockerfiles (none: `prepare` makes the whole context). */
  dir?: string;
  /** Extra `docker build` flags; `{ctx}` is replaced by the prepared context directory. */
  args?: string[];
  /** Tag given to the image (FROM lines of later fixtures use it). */
  tag?: string;
  /** Prepares the private copy of the context (files the test creates at run time). */
  prepare?: (ctx: string, served: Served) => Promise<void>;
  /** Both engines must refuse it; their error messages are compared instead of images. */
  fails?: boolean;
}

/** Rewrites the context's Dockerfile (variants that dockerd 20.10's classic builder can build too). */
const rewrite = (edit: (text: string) => string) => async (ctx: string) => {
  const file = join(ctx, 'Dockerfile');
  await writeFile(file, edit(await readFile(file, 'utf8')));
};

/** The corpus, in build order (onbuild needs onbuild-base), with build.test.ts's flags. */
const CORPUS: Fixture[] = [
  { name: 'add-archive', dir: 'add-archive' },
  { name: 'add-archive-no-chmod', dir: 'add-archive', prepare: rewrite((t) => t.replace('--chmod=600 ', '')) },
  {
    name: 'add-compressed', dir: 'add-compressed',
    prepare: async (ctx) => {
      const src = join(ctx, 'pkgsrc');
      await mkdir(join(src, 'lib'), { recursive: true });
      await writeFile(join(src, 'lib', 'data.txt'), 'packed\n');
      for (const [flag, name] of [['-j', 'pkg.tar.bz2'], ['-J', 'pkg.tar.xz']] as const) {
        await mustOk(sh('tar', [flag, '-cf', join(ctx, name), '-C', src, 'lib']), 'tar');
      }
      await rm(src, { recursive: true });
    },
  },
  { name: 'arg-before-from', dir: 'arg-before-from' },
  { name: 'buildarg', dir: 'buildarg', args: ['--build-arg', 'GITHUB_PAT=ghp_secret'] },
  { name: 'buildarg-version', dir: 'buildarg', args: ['--build-arg', 'VERSION=2.5'] },
  { name: 'copy-wildcard', dir: 'copy-wildcard' },
  { name: 'copy-wildcard-no-chmod', dir: 'copy-wildcard', prepare: rewrite((t) => t.replace('--chmod=0755 ', '')) },
  { name: 'django', dir: 'django', args: ['-f', '{ctx}/Dockerfile.django'] },
  {
    name: 'dockerignore', dir: 'dockerignore',
    prepare: async (ctx) => {
      for (const f of ['.DS_Store', 'sub/.DS_Store', 'NOTES.md', 'sub/__pycache__/x.pyc', '.git/HEAD']) {
        await mkdir(join(ctx, f, '..'), { recursive: true });
        await writeFile(join(ctx, f), 'x');
      }
    },
  },
  { name: 'entrypoint', dir: 'entrypoint' },
  { name: 'entrypoint-reset', dir: 'entrypoint-reset' },
  { name: 'env-workdir', dir: 'env-workdir' },
  { name: 'escape-directive', dir: 'escape-directive' },
  { name: 'expose', dir: 'expose', args: ['--label', 'team=core'] },
  { name: 'heredoc', dir: 'heredoc' },
  { name: 'multistage', dir: 'multistage' },
  { name: 'multistage-no-broken', dir: 'multistage', prepare: rewrite((t) => t.replace('FROM busybox AS broken\nRUN exit 7\n', '')) },
  { name: 'multistage-target-build', dir: 'multistage', args: ['--target', 'build'] },
  { name: 'onbuild-base', dir: 'onbuild', args: ['-f', '{ctx}/Dockerfile.base'], tag: 'onbuild-base' },
  { name: 'onbuild', dir: 'onbuild' },
  { name: 'onbuild-no-heredoc', dir: 'onbuild', prepare: rewrite((t) => t.replace('COPY <<EOT /inline.txt\ninline text\nEOT\n', 'COPY f.txt /inline.txt\n')) },
  { name: 'run-network', dir: 'run-network' },
  { name: 'shell-signal', dir: 'shell-signal' },
  { name: 'stage-chain', dir: 'stage-chain' },
  { name: 'volume', dir: 'volume' },
  { name: 'workshop', dir: 'workshop' },
  { name: 'run-mount', dir: 'run-mount' },
  { name: 'parallel-stages', dir: 'parallel-stages', args: ['--build-arg', `RUN_ID=${process.pid}`] },
  // The squash fixture without --squash (which dockerd 20.10 only takes when experimental): the steps compare.
  { name: 'squash', dir: 'squash' },
  ...sourceFixtures(),
];

/** A context made of `files` (a `{ symlink }` value makes a symlink). */
function contextOf(files: (s: Served) => Record<string, string | { symlink: string }>): NonNullable<Fixture['prepare']> {
  return async (ctx, served) => {
    for (const [name, v] of Object.entries(files(served))) {
      await mkdir(join(ctx, name, '..'), { recursive: true });
      if (typeof v === 'string') await writeFile(join(ctx, name), v);
      else await symlink(v.symlink, join(ctx, name));
    }
  };
}

/** Beyond the corpus: ADD <url>, COPY through symlinks that point out of the context, FROM a registry. */
function sourceFixtures(): Fixture[] {
  return [
    {
      name: 'add-url', prepare: contextOf((s) => ({
        Dockerfile: [
          'FROM busybox',
          `ADD ${s.http}/files/hello.txt /dl/`,
          `ADD ${s.http}/files/pkg.tar.gz /arch/`,
          `ADD ${s.http}/download/ /cd/`,
          `ADD ${s.http}/files/hello.txt /renamed.txt`,
          // mtimes are not compared in the trees; this file records them.
          'RUN stat -c "%n %a %Y" /dl/hello.txt /arch/pkg.tar.gz /cd/named.txt /renamed.txt > /stat.txt',
          '',
        ].join('\n'),
      })),
    },
    {
      name: 'add-url-checksum', prepare: contextOf((s) => ({
        Dockerfile: `FROM busybox\nADD --checksum=sha256:${createHash('sha256').update(HELLO).digest('hex')} ${s.http}/files/hello.txt /h.txt\n`,
      })),
    },
    { name: 'add-url-404', fails: true, prepare: contextOf((s) => ({ Dockerfile: `FROM busybox\nADD ${s.http}/missing.txt /m.txt\n` })) },
    { name: 'copy-url', fails: true, prepare: contextOf((s) => ({ Dockerfile: `FROM busybox\nCOPY ${s.http}/files/hello.txt /h.txt\n` })) },
    {
      name: 'copy-symlink-in-scope', prepare: contextOf(() => ({
        Dockerfile: 'FROM busybox\nCOPY link/passwd /x\nCOPY up/secret /y\nCOPY . /ctx/\n',
        link: { symlink: '/etc' }, up: { symlink: '../..' }, 'etc/passwd': 'context passwd\n', secret: 'context secret\n',
      })),
    },
    {
      name: 'copy-symlink-escape', fails: true, prepare: contextOf(() => ({
        Dockerfile: 'FROM busybox\nCOPY link/passwd /x\n', link: { symlink: '/etc' },
      })),
    },
    {
      name: 'copy-symlink-climb', fails: true, prepare: contextOf(() => ({
        Dockerfile: 'FROM busybox\nCOPY up/secret /y\n', up: { symlink: '../..' },
      })),
    },
    {
      // Modes, ownership, links, nested WORKDIRs under USER, plain tars: the corners of COPY/ADD/WORKDIR.
      name: 'copy-corners', prepare: async (ctx, served) => {
        await contextOf(() => ({
          Dockerfile: [
            'FROM busybox',
            'COPY dir /d/',
            'COPY --chown=1000:1000 dir /owned/',
            'COPY --chown=www-data dir/sub/secret.sh /owned-file',
            'COPY dir/rel-link /followed',
            'ADD plain.tar /t/',
            'ADD plain.tar /t-file',
            'WORKDIR /a/b/c',
            'COPY file.txt .',
            'USER 1000:1000',
            'WORKDIR /userdir/nested',
            'USER root',
            'RUN rm /d/sub/secret.sh && mkdir /r && echo x > /r/x && ln /r/x /r/hard',
            'ENV A=1 B="$A two" C=${A:+set}',
            'COPY empty/ /empty/',
            'COPY dir/sub/../sub/secret.sh dir/*.txt /multi/',
            '',
          ].join('\n'),
          'dir/sub/secret.sh': '#!/bin/sh\necho secret\n', 'dir/a.txt': 'a\n', 'dir/rel-link': { symlink: 'a.txt' },
          'dir/abs-link': { symlink: '/etc/passwd' }, 'file.txt': 'file\n',
        }))(ctx, served);
        await mkdir(join(ctx, 'dir', 'emptydir'));
        await mkdir(join(ctx, 'empty'));
        await mustOk(sh('chmod', ['4750', join(ctx, 'dir/sub/secret.sh')]), 'chmod');
        await mustOk(sh('chmod', ['0700', join(ctx, 'dir/sub')]), 'chmod');
        await mustOk(sh('chown', ['1234:5678', join(ctx, 'file.txt')]), 'chown');
        await mustOk(sh('ln', [join(ctx, 'dir/a.txt'), join(ctx, 'dir/hard.txt')]), 'ln');
        await mustOk(sh('bash', ['-c', `cd "${ctx}" && mkdir -p tsrc/x && echo t > tsrc/x/t.txt && ln -s t.txt tsrc/x/l && chmod 0741 tsrc/x && tar --owner=7:7 -cf plain.tar -C tsrc x && rm -r tsrc`]), 'plain.tar');
      },
    },
    {
      // Destinations: relative to WORKDIR, onto an existing directory or symlink, into a fresh path; tars merged.
      name: 'copy-dest-corners', prepare: async (ctx, served) => {
        await contextOf(() => ({
          Dockerfile: [
            'FROM busybox AS stage',
            'RUN mkdir -p /out/sub && echo s > /out/sub/s.txt && ln -s sub /out/link',
            'FROM busybox',
            'WORKDIR /w',
            'COPY f.txt .',
            'COPY f.txt rel/',
            'COPY f.txt ../up.txt',
            'RUN mkdir /existing && ln -s /existing /linkdir',
            'COPY f.txt /existing',
            'COPY f.txt /linkdir/',
            'COPY --from=stage --chown=33:33 /out /fromstage/',
            'COPY --from=stage /out/link /fromstage-link',
            'COPY --from=busybox /etc/group /group-from-image',
            'ADD pkg.tar.gz /existing/',
            'ADD pkg.tar.gz /existing/',
            'COPY dir /existing/',
            '',
          ].join('\n'),
          'f.txt': 'f\n', 'dir/f.txt': 'from dir\n', 'dir/n/x': 'x\n',
        }))(ctx, served);
        await mustOk(sh('bash', ['-c', `cd "${ctx}" && mkdir -p t/pkg && echo p > t/pkg/p.txt && tar -czf pkg.tar.gz -C t pkg && rm -r t`]), 'pkg');
      },
    },
    {
      name: 'metadata-corners', prepare: contextOf(() => ({
        Dockerfile: [
          'ARG BASE=busybox',
          'FROM $BASE',
          'ARG USERNAME=www-data',
          'ARG PORT=8080',
          'ENV A=1 B="$A two" C=${A:+set} D=${NOPE:-dflt}',
          'ENV PATH=/opt/bin:$PATH',
          'LABEL multi="line one \\',
          ' line two" "quoted key"=v other=\'single $A\'',
          'EXPOSE $PORT 9000-9002/udp 53/tcp 53/udp',
          'VOLUME ["/v1", "/v2"]',
          'VOLUME /v3 /v4',
          'USER $USERNAME',
          'HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=2 CMD ["true"]',
          'STOPSIGNAL 9',
          'ONBUILD RUN echo one',
          'ONBUILD COPY . /app',
          'SHELL ["/bin/sh", "-xc"]',
          'CMD echo $A',
          'ENTRYPOINT ["/bin/sh", "-c"]',
          'CMD ["echo", "after entrypoint"]',
          'WORKDIR $D/sub',
          '',
        ].join('\n'),
      })),
    },
    {
      // No group: the user spec names the group too, and busybox has no group "nobody".
      name: 'chown-user-without-group', fails: true, prepare: contextOf(() => ({ Dockerfile: 'FROM busybox\nCOPY --chown=nobody f /f\n', f: 'f' })),
    },
    { name: 'from-registry', prepare: contextOf((s) => ({ Dockerfile: `FROM ${s.registry}/lib/busybox\nRUN echo pulled > /p.txt\n` })) },
    { name: 'from-registry-pull', args: ['--pull'], prepare: contextOf((s) => ({ Dockerfile: `FROM ${s.registry}/lib/busybox\nRUN echo pulled > /p.txt\n` })) },
    { name: 'from-registry-missing', fails: true, prepare: contextOf((s) => ({ Dockerfile: `FROM ${s.registry}/lib/nothing-here\n` })) },
  ];
}

const HELLO = 'hello over http\n';
const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';

/** The files the add-url fixtures download. */
async function startHttp(): Promise<Server> {
  const pkg = await mustOk(sh('bash', ['-c', 'd=$(mktemp -d) && echo packed > $d/inside.txt && tar -czf - -C $d inside.txt | base64 -w0 && rm -r $d']), 'tar.gz');
  const files: Record<string, { body: Buffer; headers: Record<string, string> }> = {
    '/files/hello.txt': { body: Buffer.from(HELLO), headers: { 'Last-Modified': LAST_MODIFIED } },
    '/files/pkg.tar.gz': { body: Buffer.from(pkg, 'base64'), headers: {} },
    '/download/': { body: Buffer.from('disposed\n'), headers: { 'Content-Disposition': 'attachment; filename="named.txt"' } },
  };
  const server = createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (!f) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('no such file\n');
      return;
    }
    res.writeHead(200, { 'Content-Length': String(f.body.length), ...f.headers });
    res.end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** `berth registry serve` on a free loopback port, with a temporary root. */
async function startRegistry(root: string): Promise<{ addr: string; proc: ChildProcess }> {
  const port = await new Promise<number>((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });
  const addr = `127.0.0.1:${port}`;
  const proc = spawn(join(REPO, 'bin/berth'), ['registry', 'serve', '--addr', addr, '--root', root, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b) => (out += b));
  proc.stderr!.on('data', (b) => (out += b));
  for (let i = 0; i < 200 && !out.includes(addr); i++) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes(addr)) throw new Error(`registry did not start: ${out}`);
  return { addr, proc };
}

/**
 * Documented differences. `dockerdRefuses`: dockerd 20.10's classic builder cannot build the fixture at all
 * (Berth goes further, following BuildKit), so only Berth's build is checked. `paths`: files dockerd's
 * init layer puts in every container (so its `docker export` shows them): excused only when Berth's export lacks
 * them, any other difference at those paths still fails.
 */
const EXCEPTIONS = {
  dockerdRefuses: {
    heredoc: 'RUN/COPY heredocs: dockerd 20.10 parses `<<EOT` as shell text and the heredoc body as instructions; Berth follows BuildKit (Dockerfile 1.4 syntax)',
    onbuild: 'the child stage uses `COPY <<EOT` (a heredoc), which dockerd 20.10 cannot parse (onbuild-no-heredoc compares the rest)',
    'add-archive': 'COPY --chmod: dockerd 20.10 classic answers "the --chmod option requires BuildKit" (add-archive-no-chmod compares the rest)',
    'copy-wildcard': 'COPY --chmod, as above (copy-wildcard-no-chmod compares the rest)',
    multistage: 'dockerd 20.10 classic runs every stage, the unused `broken` one too (exit 7); Berth, like BuildKit, runs only the stages the target needs (multistage-no-broken compares the rest)',
    'run-network': 'RUN --network=none|host: dockerd 20.10 classic answers "the --network option requires BuildKit"; Berth supports it, as BuildKit does',
    'run-mount': 'RUN --mount: dockerd 20.10 classic answers "the --mount option requires BuildKit"; Berth runs bind, cache and tmpfs mounts as BuildKit does',
    'parallel-stages': 'RUN --mount=type=cache (the stages meet in a shared cache to prove they run at the same time): BuildKit syntax, as above',
    'add-url-checksum': 'ADD --checksum is BuildKit syntax (Dockerfile 1.6); dockerd 20.10 classic answers "Unknown flag: checksum"',
  } as Record<string, string>,
  paths: {
    '.dockerenv': 'dockerd marks every container with an empty /.dockerenv; Berth (like podman) does not',
    'etc/hostname': "empty bind-mount target in dockerd's per-container init layer; Berth mounts the file without one",
    'etc/hosts': "empty bind-mount target in dockerd's init layer, as above",
    'etc/resolv.conf': "empty bind-mount target in dockerd's init layer, as above",
    'etc/mtab': "dockerd's init layer links /etc/mtab to /proc/mounts in every container",
    'dev': "dockerd's init layer creates /dev (seen when the image lacks it: FROM scratch)",
    'dev/console': "empty bind-mount target in dockerd's init layer",
    'dev/pts': "mount point in dockerd's init layer",
    'dev/shm': "mount point in dockerd's init layer",
    'proc': "dockerd's init layer creates /proc (FROM scratch)",
    'sys': "dockerd's init layer creates /sys (FROM scratch)",
    'etc': "dockerd's init layer creates /etc for the files above (FROM scratch)",
  } as Record<string, string>,
};

interface Entry { type: string; mode: string; uid: number; gid: number; digest?: string; link?: string }
type Tree = Map<string, Entry>;

const CONFIG_FIELDS = ['Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'Shell', 'StopSignal', 'Healthcheck', 'OnBuild'] as const;

interface Built {
  ok: true; tree: Tree; config: Record<string, unknown>; history: string[];
  /** The same build run again: which steps came from the cache (`Step N/M : ...` lines followed by Using cache). */
  cachedSteps: string[];
}
interface Failed { ok: false; error: string }
type Outcome = Built | Failed;

/** `docker export` of a container made from `image`, read into a tree. */
async function exportTree(env: NodeJS.ProcessEnv, cli: string, image: string): Promise<Tree> {
  const cid = (await mustOk(sh(cli, ['create', image, 'true'], env), `create ${image}`)).trim();
  try {
    const tree: Tree = new Map();
    const ex = tar.extract();
    ex.on('entry', (h, body, next) => {
      const name = h.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
      const hash = createHash('sha256');
      body.on('data', (b) => { hash.update(b as Buffer); });
      body.on('end', () => {
        const e: Entry = { type: h.type ?? 'file', mode: ((h.mode ?? 0) & 0o7777).toString(8), uid: h.uid ?? 0, gid: h.gid ?? 0 };
        if (h.type === 'file') e.digest = hash.digest('hex').slice(0, 16);
        if (h.type === 'symlink' || h.type === 'link') e.link = h.linkname ?? '';
        if (name !== '') tree.set(name, e);
        next();
      });
      body.resume();
    });
    await new Promise<void>((res, rej) => {
      const p = spawn(cli, ['export', cid], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (b) => (err += b));
      p.stdout.pipe(ex);
      ex.on('finish', () => res());
      ex.on('error', rej);
      p.on('close', (code) => { if (code !== 0) rej(new Error(`export ${image}: ${err}`)); });
    });
    return tree;
  } finally {
    await sh(cli, ['rm', '-f', cid], env);
  }
}

/** Builds every fixture on one engine and collects trees and configs. */
async function buildAll(e: Engine, tar: string, contexts: Map<string, string>, served: Served): Promise<Map<string, Outcome>> {
  // Berth is driven by the docker CLI 28; dockerd by its own Debian CLI 20.10. Both with the classic builder.
  const cli = e.name === 'berth' ? 'docker' : '/usr/bin/docker';
  const env = { ...process.env, DOCKER_HOST: `unix://${e.socket}`, DOCKER_BUILDKIT: '0' };
  await mustOk(sh(cli, ['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest'], env), `${e.name} import`);
  if (e.name === 'berth') {
    // The registry's lib/busybox: pushed once from Berth, then only in the registry (both engines pull it).
    const reg = `${served.registry}/lib/busybox:latest`;
    const dir = await mkdtemp(join(tmpdir(), 'compare-build-registry-'));
    try {
      await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nLABEL from=registry\n');
      await mustOk(sh(cli, ['build', '-q', '-t', reg, dir], env), 'registry image');
      await mustOk(sh(cli, ['push', reg], env), 'push');
      await mustOk(sh(cli, ['rmi', reg], env), 'rmi');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const out = new Map<string, Outcome>();
  for (const f of CORPUS) {
    const ctx = contexts.get(f.name)!;
    const tag = f.tag ?? `compare/${f.name}`;
    const args = (f.args ?? []).map((a) => a.replace('{ctx}', ctx));
    // RUN steps get no network on either engine: nothing in the corpus needs one, and dockerd then needs no
    // docker0 (which other benchmarks on this machine create and delete).
    const r = await sh(cli, ['build', '--network', 'none', '-t', tag, ...args, ctx], env);
    if (r.code !== 0) {
      out.set(f.name, { ok: false, error: (r.err.trim().split('\n').pop() ?? '').slice(0, 200) });
      continue;
    }
    const config = JSON.parse(await mustOk(sh(cli, ['image', 'inspect', '-f', '{{json .Config}}', tag], env), 'inspect')) as Record<string, unknown>;
    const history = (await mustOk(sh(cli, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', tag], env), 'history')).split('\n').filter(Boolean)
      // COPY/ADD name their sources by a content hash each engine computes its own way.
      .map((l) => l.replace(/\b((?:file|dir|multi):)?[0-9a-f]{64}\b/g, '$1<hash>'));
    const again = await sh(cli, ['build', '--network', 'none', '-t', tag, ...args, ctx], env);
    const cachedSteps = again.out.split(/^Step \d+\/\d+ : /m).slice(1).filter((s) => s.includes(' ---> Using cache')).map((s) => s.split('\n')[0]!);
    out.set(f.name, { ok: true, tree: await exportTree(env, cli, tag), config, history, cachedSteps });
  }
  return out;
}

const fmt = (e: Entry | undefined) => (e ? `${e.type} ${e.mode} ${e.uid}:${e.gid}${e.digest ? ` ${e.digest}` : ''}${e.link !== undefined ? ` -> ${e.link}` : ''}` : 'absent');

function diffTrees(a: Tree, b: Tree): { real: string[]; excused: string[] } {
  const real: string[] = [];
  const excused: string[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = fmt(a.get(p));
    const y = fmt(b.get(p));
    if (x === y) continue;
    const line = `/${p}: berth ${x} | dockerd ${y}`;
    (p in EXCEPTIONS.paths && !a.has(p) ? excused : real).push(line);
  }
  return { real, excused };
}

/** Normalises "absent" forms (null, {}, [] and missing) the two engines spell differently. */
function norm(v: unknown): string {
  if (v === null || v === undefined || v === '') return 'null';
  if (Array.isArray(v) && v.length === 0) return 'null';
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) return 'null';
  if (typeof v === 'object' && !Array.isArray(v)) return JSON.stringify(Object.fromEntries(Object.entries(v as object).sort()));
  return JSON.stringify(v);
}

function diffConfigs(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of CONFIG_FIELDS) {
    const x = norm(a[k]);
    const y = norm(b[k]);
    if (x !== y) out.push(`${k}: berth ${x} | dockerd ${y}`);
  }
  return out;
}

/**
 * Documented history difference: Docker 25 added HealthConfig.StartInterval (HEALTHCHECK --start-interval), so
 * Berth, which speaks that API, prints one more duration in `HEALTHCHECK &{...}` than dockerd 20.10.
 */
const withoutStartInterval = (l: string) => l.replace(/^(.*HEALTHCHECK &\{\[.*\] "[^"]*" "[^"]*" "[^"]*") "[^"]*"/, '$1');

/** `docker history` CreatedBy lines, newest first, compared one by one. */
function diffHistory(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i] && (a[i] === undefined || withoutStartInterval(a[i]!) !== b[i])) out.push(`history[${i}]: berth ${JSON.stringify(a[i] ?? null)} | dockerd ${JSON.stringify(b[i] ?? null)}`);
  }
  return out;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'compare-build-'));
  let failed = false;
  const http = await startHttp();
  const registry = await startRegistry(join(work, 'registry'));
  try {
    const served: Served = { http: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, registry: registry.addr };
    const contexts = new Map<string, string>();
    for (const f of CORPUS) {
      const ctx = join(work, 'contexts', f.name);
      if (f.dir) await cp(join(FIXTURES, f.dir), ctx, { recursive: true });
      else await mkdir(ctx, { recursive: true });
      await f.prepare?.(ctx, served);
      contexts.set(f.name, ctx);
    }
    const r = await sideBySide((e, t) => buildAll(e, t, contexts, served), [startBerth, () => startDockerd()]);
    const rows: string[][] = [['fixture', 'tree', 'config', 'history+cache', 'notes']];
    const details: string[] = [];
    for (const f of CORPUS) {
      const b = r.berth.get(f.name)!;
      const d = r.dockerd.get(f.name)!;
      const refused = EXCEPTIONS.dockerdRefuses[f.name];
      if (f.fails) {
        // Both must refuse it, with the same message.
        const same = !b.ok && !d.ok && b.error === d.error;
        failed ||= !same;
        rows.push([f.name, 'refused', 'refused', 'refused', same ? 'both fail alike' : 'DIFF']);
        details.push(`${f.name}: berth ${b.ok ? 'built it' : `"${b.error}"`}${same ? '' : ` | dockerd ${d.ok ? 'built it' : `"${d.error}"`}`}`);
        continue;
      }
      if (!b.ok) {
        failed = true;
        rows.push([f.name, 'FAIL', 'FAIL', 'FAIL', `Berth build failed: ${b.error}`]);
        continue;
      }
      if (!d.ok) {
        if (!refused) failed = true;
        rows.push([f.name, '-', '-', '-', refused ? `documented: dockerd refuses (${d.error})` : `UNEXPECTED: dockerd failed: ${d.error}`]);
        if (refused) details.push(`${f.name}: ${refused}`);
        continue;
      }
      if (refused) details.push(`${f.name}: listed as refused by dockerd, but dockerd built it: remove the exception`);
      failed ||= Boolean(refused);
      const t = diffTrees(b.tree, d.tree);
      const c = diffConfigs(b.config, d.config);
      const h = diffHistory(b.history, d.history);
      if (b.cachedSteps.join('\n') !== d.cachedSteps.join('\n')) {
        h.push(`cache on a rebuild: berth ${JSON.stringify(b.cachedSteps)} | dockerd ${JSON.stringify(d.cachedSteps)}`);
      }
      failed ||= t.real.length > 0 || c.length > 0 || h.length > 0;
      rows.push([
        f.name,
        t.real.length ? `DIFF (${t.real.length})` : 'identical',
        c.length ? `DIFF (${c.length})` : 'identical',
        h.length ? `DIFF (${h.length})` : 'identical',
        t.excused.length ? `${t.excused.length} documented path difference(s)` : '',
      ]);
      for (const l of [...t.real, ...c, ...h]) details.push(`${f.name}: ${l}`);
      if (process.env.BENCH_VERBOSE) for (const l of t.excused) details.push(`${f.name} (documented): ${l}`);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) console.log(row.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
    if (details.length) console.log('\n' + details.join('\n'));
    console.log('\nDocumented path exceptions:');
    for (const [p, why] of Object.entries(EXCEPTIONS.paths)) console.log(`  /${p}: ${why}`);
    console.log(failed ? '\nFAIL: undocumented differences' : '\nok: no undocumented differences');
  } finally {
    await new Promise((res) => http.close(res));
    const exited = new Promise((res) => registry.proc.once('exit', res));
    registry.proc.kill('SIGTERM');
    await exited;
    await rm(work, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
