/**
 * Issue 4: Berth's classic builder against dockerd 20.10's classic builder, over the Dockerfile corpus in
 * test/fixtures/dockerfiles/. Each fixture is prepared once (the same context for both engines, with the build
 * args and flags test/integration/build.test.ts uses), built on Berth (docker CLI 28) and on dockerd (Debian's
 * /usr/bin/docker 20.10), both with DOCKER_BUILDKIT=0. Then each image is `docker create`d and `docker export`ed
 * and the trees compared (paths, types, modes, uid/gid, content digests, link targets; never mtimes), and the
 * image configs compared field by field. Differences named in EXCEPTIONS below are documented and allowed; any
 * other difference, or a build that fails on one engine only without a documented reason, exits 1.
 * Usage: bash bench/run.sh compare-build (BENCH_VERBOSE=1 also lists the documented path differences)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tar from 'tar-stream';
import { mustOk, restoringHostNetwork, sh, sideBySide, startBerth, startDockerd, type Engine } from './engines.ts';

const REPO = resolve(import.meta.dirname, '..');
const FIXTURES = join(REPO, 'test/fixtures/dockerfiles');

interface Fixture {
  /** Row name (and image tag). */
  name: string;
  /** Directory under test/fixtures/dockerfiles. */
  dir: string;
  /** Extra `docker build` flags; `{ctx}` is replaced by the prepared context directory. */
  args?: string[];
  /** Tag given to the image (FROM lines of later fixtures use it). */
  tag?: string;
  /** Prepares the private copy of the context (files the test creates at run time). */
  prepare?: (ctx: string) => Promise<void>;
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
];

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

interface Built { ok: true; tree: Tree; config: Record<string, unknown> }
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
async function buildAll(e: Engine, tar: string, contexts: Map<string, string>): Promise<Map<string, Outcome>> {
  // Berth is driven by the docker CLI 28; dockerd by its own Debian CLI 20.10. Both with the classic builder.
  const cli = e.name === 'berth' ? 'docker' : '/usr/bin/docker';
  const env = { ...process.env, DOCKER_HOST: `unix://${e.socket}`, DOCKER_BUILDKIT: '0' };
  await mustOk(sh(cli, ['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest'], env), `${e.name} import`);
  const out = new Map<string, Outcome>();
  for (const f of CORPUS) {
    const ctx = contexts.get(f.name)!;
    const tag = f.tag ?? `compare/${f.name}`;
    const args = (f.args ?? []).map((a) => a.replace('{ctx}', ctx));
    const r = await sh(cli, ['build', '-t', tag, ...args, ctx], env);
    if (r.code !== 0) {
      out.set(f.name, { ok: false, error: (r.err.trim().split('\n').pop() ?? '').slice(0, 200) });
      continue;
    }
    const config = JSON.parse(await mustOk(sh(cli, ['image', 'inspect', '-f', '{{json .Config}}', tag], env), 'inspect')) as Record<string, unknown>;
    out.set(f.name, { ok: true, tree: await exportTree(env, cli, tag), config });
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

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'compare-build-'));
  let failed = false;
  try {
    const contexts = new Map<string, string>();
    for (const f of CORPUS) {
      const ctx = join(work, f.name);
      await cp(join(FIXTURES, f.dir), ctx, { recursive: true });
      await f.prepare?.(ctx);
      contexts.set(f.name, ctx);
    }
    // dockerd's classic RUN containers use its default bridge.
    const r = await restoringHostNetwork(() => sideBySide((e, t) => buildAll(e, t, contexts), [startBerth, () => startDockerd({ network: true })]));
    const rows: string[][] = [['fixture', 'tree', 'config', 'notes']];
    const details: string[] = [];
    for (const f of CORPUS) {
      const b = r.berth.get(f.name)!;
      const d = r.dockerd.get(f.name)!;
      const refused = EXCEPTIONS.dockerdRefuses[f.name];
      if (!b.ok) {
        failed = true;
        rows.push([f.name, 'FAIL', 'FAIL', `Berth build failed: ${b.error}`]);
        continue;
      }
      if (!d.ok) {
        if (!refused) failed = true;
        rows.push([f.name, '-', '-', refused ? `documented: dockerd refuses (${d.error})` : `UNEXPECTED: dockerd failed: ${d.error}`]);
        if (refused) details.push(`${f.name}: ${refused}`);
        continue;
      }
      if (refused) details.push(`${f.name}: listed as refused by dockerd, but dockerd built it: remove the exception`);
      failed ||= Boolean(refused);
      const t = diffTrees(b.tree, d.tree);
      const c = diffConfigs(b.config, d.config);
      failed ||= t.real.length > 0 || c.length > 0;
      rows.push([
        f.name,
        t.real.length ? `DIFF (${t.real.length})` : 'identical',
        c.length ? `DIFF (${c.length})` : 'identical',
        t.excused.length ? `${t.excused.length} documented path difference(s)` : '',
      ]);
      for (const l of [...t.real, ...c]) details.push(`${f.name}: ${l}`);
      if (process.env.BENCH_VERBOSE) for (const l of t.excused) details.push(`${f.name} (documented): ${l}`);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) console.log(row.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
    if (details.length) console.log('\n' + details.join('\n'));
    console.log('\nDocumented path exceptions:');
    for (const [p, why] of Object.entries(EXCEPTIONS.paths)) console.log(`  /${p}: ${why}`);
    console.log(failed ? '\nFAIL: undocumented differences' : '\nok: no undocumented differences');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
