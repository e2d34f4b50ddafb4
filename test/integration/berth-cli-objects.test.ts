/**
 * The berth CLI's network, volume, cp/export/diff/port/commit/update and system df/prune commands against a
 * real berthd: each answers as the docker CLI does on the same daemon.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, REPO } from './harness.ts';

describe('berth CLI: networks, volumes, files, system', () => {
  let d: Daemon;
  let tmp: string;
  const berth = async (args: string[], input?: string) => {
    const r = await d.berth(args, { input });
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  /** The same command through both CLIs gives the same stdout. */
  const same = async (args: string[]) => assert.equal(await berth(args), (await d.docker(args)).stdout, `berth ${args.join(' ')}`);
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    tmp = await mkdtemp(join(tmpdir(), 'berth-cli-objects-'));
  });
  after(async () => {
    await d?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('network create, ls, inspect, connect, disconnect, rm, prune', async () => {
    const id = (await berth(['network', 'create', '--subnet', '10.251.0.0/24', '--gateway', '10.251.0.1', '--label', 'team=a', 'bnet'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await same(['network', 'ls']);
    await same(['network', 'ls', '--no-trunc', '--filter', 'label=team=a', '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Labels}} {{.Label "team"}}']);
    await same(['network', 'ls', '-q']);
    await same(['network', 'inspect', 'bnet']);
    assert.equal((await berth(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'bnet'])).trim(), '10.251.0.1');
    await d.ok(['run', '-d', '--name', 'member', 'busybox', 'sleep', '100']);
    await berth(['network', 'connect', '--ip', '10.251.0.9', '--alias', 'mem', 'bnet', 'member']);
    assert.equal(await d.ok(['inspect', '-f', '{{.NetworkSettings.Networks.bnet.IPAddress}}', 'member']), '10.251.0.9');
    await berth(['network', 'disconnect', 'bnet', 'member']);
    assert.doesNotMatch(await d.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'member']), /bnet/);
    assert.equal(await berth(['network', 'rm', 'bnet']), 'bnet\n');
    const gone = await d.berth(['network', 'rm', 'bnet']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, (await d.docker(['network', 'rm', 'bnet'])).stderr);
    assert.equal((await d.berth(['network', 'rm', '-f', 'bnet'])).code, 0);
    // prune: same report as docker's for the same state
    for (const n of ['p1', 'p2']) await d.ok(['network', 'create', n]);
    const byBerth = await berth(['network', 'prune', '-f']);
    for (const n of ['p1', 'p2']) await d.ok(['network', 'create', n]);
    assert.equal(byBerth, (await d.docker(['network', 'prune', '-f'])).stdout);
    assert.match(byBerth, /^Deleted Networks:\np1\np2\n/);
    await d.ok(['rm', '-f', 'member']);
  });

  test('volume create, ls, inspect, rm, prune', async () => {
    assert.equal(await berth(['volume', 'create', '--label', 'k=v', 'bvol']), 'bvol\n');
    await d.ok(['volume', 'create', 'dvol']);
    await same(['volume', 'ls']);
    await same(['volume', 'ls', '-q']);
    await same(['volume', 'ls', '--filter', 'label=k', '--format', '{{.Name}} {{.Driver}} {{.Labels}} {{.Label "k"}} {{.Mountpoint}}']);
    await same(['volume', 'inspect', 'bvol', 'dvol']);
    assert.equal(await berth(['volume', 'rm', 'bvol', 'dvol']), 'bvol\ndvol\n');
    const missing = await d.berth(['volume', 'rm', 'bvol']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, (await d.docker(['volume', 'rm', 'bvol'])).stderr);
    await d.ok(['create', '-v', '/anon', '--name', 'anonuser', 'busybox']);
    await d.ok(['rm', 'anonuser']);
    const pruned = await berth(['volume', 'prune', '-f']);
    assert.match(pruned, /^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: \S+\n$/);
  });

  test('cp both ways, export, diff, port, commit, update', async () => {
    await d.ok(['run', '-d', '--name', 'files', '-p', '18555:80', '-p', '127.0.0.1::81/udp', 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo inside > /data/sub/f.txt && rm /bin/ls && sleep 100']);
    await new Promise((r) => setTimeout(r, 300));
    // container → host: into an existing directory, and to a new name
    const out = join(tmp, 'out');
    await mkdir(out);
    await berth(['cp', 'files:/data/sub', out]);
    assert.equal(await readFile(join(out, 'sub/f.txt'), 'utf8'), 'inside\n');
    await berth(['cp', 'files:/data/sub/f.txt', join(out, 'renamed.txt')]);
    assert.equal(await readFile(join(out, 'renamed.txt'), 'utf8'), 'inside\n');
    // host → container: into a directory, and to a new name
    await writeFile(join(tmp, 'host.txt'), 'from host\n');
    await berth(['cp', join(tmp, 'host.txt'), 'files:/data/']);
    await berth(['cp', join(tmp, 'host.txt'), 'files:/data/other.txt']);
    assert.equal(await d.ok(['exec', 'files', 'cat', '/data/host.txt', '/data/other.txt']), 'from host\nfrom host');
    assert.equal(await d.ok(['exec', 'files', 'stat', '-c', '%u:%g', '/data/host.txt']), '0:0');
    // a tar on stdout
    const tarOut = execFileSync('sh', ['-c', `"${REPO}/bin/berth" cp files:/data/sub/f.txt - | tar -t`], { env: d.env }).toString();
    assert.equal(tarOut, 'f.txt\n');
    await same(['diff', 'files']);
    assert.match(await berth(['diff', 'files']), /^D \/bin\/ls$/m);
    await same(['port', 'files']);
    await same(['port', 'files', '80']);
    await same(['port', 'files', '81/udp']);
    const exported = join(tmp, 'files.tar');
    await berth(['export', '-o', exported, 'files']);
    assert.match(execFileSync('tar', ['-tf', exported]).toString(), /^data\/sub\/f\.txt$/m);
    const image = (await berth(['commit', '-m', 'snap', '-c', 'ENV X=1', 'files', 'snapped:1'])).trim();
    assert.match(image, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await d.ok(['inspect', '-f', '{{.Comment}} {{index .Config.Env 1}}', 'snapped:1']), 'snap X=1');
    await berth(['update', '--memory', '64m', '--memory-swap', '128m', '--restart', 'on-failure:3', 'files']);
    assert.equal(await d.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'files']), `${64 * 1024 * 1024} on-failure 3`);
    const none = await d.berth(['update', 'files']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /you must provide one or more flags/);
    await d.ok(['rm', '-f', 'files']);
    await d.ok(['rmi', 'snapped:1']);
  });

  test('stats --no-stream: the same table and figures as docker stats', async () => {
    await d.ok(['run', '-d', '--name', 'busy', '--network', 'none', '--memory', '64m', 'busybox', 'sh', '-c', 'while :; do :; done']);
    await d.ok(['run', '-d', '--name', 'idle', '--network', 'none', 'busybox', 'sleep', '100']);
    const fmt = '{{.Name}} {{.PIDs}} {{.NetIO}} {{.ID}}';
    await same(['stats', '--no-stream', '--format', fmt, 'busy', 'idle']);
    await same(['stats', '--no-stream', '--format', '{{.Container}} {{.Name}}']);
    const table = (await berth(['stats', '--no-stream'])).split('\n');
    assert.equal(table[0], (await d.docker(['stats', '--no-stream'])).stdout.split('\n')[0]);
    const busy = table.find((l) => l.includes(' busy '))!;
    assert.match(busy, /^[0-9a-f]{12}\s+busy\s+(\d+\.\d\d)%\s+\S+ \/ 64MiB\s+\d+\.\d\d%\s+0B \/ 0B\s+\S+ \/ \S+\s+1$/);
    assert.ok(Number(/busy\s+(\d+\.\d\d)%/.exec(busy)![1]) > 30, `a busy loop shows CPU use: ${busy}`);
    await d.ok(['rm', '-f', 'busy', 'idle']);
  });

  test('build: context with .dockerignore, -f, -f -, stdin, build args, target, failures; same image as docker build', async () => {
    const ctxDir = join(tmp, 'ctx');
    await mkdir(join(ctxDir, 'src'), { recursive: true });
    await writeFile(join(ctxDir, 'Dockerfile'), 'FROM busybox AS base\nARG GREETING=hi\nWORKDIR /app\nCOPY . .\nRUN echo "$GREETING" > greeting\nFROM base AS final\nLABEL stage=final\nCMD ["ls", "/app"]\n');
    await writeFile(join(ctxDir, '.dockerignore'), 'secret.txt\n*.md\n!keep.md\n');
    await writeFile(join(ctxDir, 'secret.txt'), 'no');
    await writeFile(join(ctxDir, 'notes.md'), 'no');
    await writeFile(join(ctxDir, 'keep.md'), 'yes');
    await writeFile(join(ctxDir, 'src', 'main.sh'), 'echo main\n');
    const out = await berth(['build', '-t', 'clibuild:1', '--build-arg', 'GREETING=hello', ctxDir]);
    assert.match(out, /^Sending build context to Docker daemon {2}\S+B\n/);
    assert.match(out, /^Step 1\/8 : FROM busybox AS base$/m);
    assert.match(out, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(out, /^Successfully tagged clibuild:1$/m);
    assert.equal(await d.ok(['run', '--rm', 'clibuild:1']), 'Dockerfile\ngreeting\nkeep.md\nsrc');
    assert.equal(await d.ok(['run', '--rm', 'clibuild:1', 'cat', 'greeting']), 'hello');
    // The same context through the docker CLI hits the same cache: the same image.
    const viaBerth = (await berth(['build', '-q', '--build-arg', 'GREETING=hello', ctxDir])).trim();
    assert.match(viaBerth, /^sha256:[0-9a-f]{64}$/);
    assert.equal(viaBerth, (await d.docker(['build', '-q', '--build-arg', 'GREETING=hello', ctxDir])).stdout.trim());
    assert.equal(await d.ok(['inspect', '-f', '{{.Id}}', 'clibuild:1']), viaBerth);
    // --target, a Dockerfile outside the context, and one on stdin
    const target = (await berth(['build', '-q', '--target', 'base', ctxDir])).trim();
    assert.doesNotMatch(await d.ok(['inspect', '-f', '{{json .Config.Labels}}', target]), /final/);
    assert.match(await d.ok(['inspect', '-f', '{{json .Config.Labels}}', 'clibuild:1']), /"stage":"final"/);
    await writeFile(join(tmp, 'Outside.Dockerfile'), 'FROM busybox\nCOPY keep.md /k\n');
    const outside = (await berth(['build', '-q', '-f', join(tmp, 'Outside.Dockerfile'), ctxDir])).trim();
    assert.equal(await d.ok(['run', '--rm', outside, 'cat', '/k']), 'yes');
    const fromStdin = (await berth(['build', '-q', '-f', '-', ctxDir], 'FROM busybox\nCOPY src/main.sh /m.sh\n')).trim();
    assert.equal(await d.ok(['run', '--rm', fromStdin, 'sh', '/m.sh']), 'main');
    const noContext = (await berth(['build', '-q', '-'], 'FROM busybox\nENV X=1\n')).trim();
    assert.match(await d.ok(['inspect', '-f', '{{json .Config.Env}}', noContext]), /"X=1"/);
    // a failing step: docker's message and the step's exit code
    const failed = await d.berth(['build', '-'], { input: 'FROM busybox\nRUN exit 3\n' });
    assert.equal(failed.code, 3);
    assert.match(failed.stderr, /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/);
    const missing = await d.berth(['build', '-f', '-', ctxDir], { input: 'FROM busybox\nCOPY nope /\n' });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, (await d.docker(['build', '-f', '-', ctxDir], { input: 'FROM busybox\nCOPY nope /\n' })).stderr.replace(/^DEPRECATED[\s\S]*?buildx\/\n\n/, ''));
    assert.equal(await d.ok(['ps', '-aq']), '', 'no build containers left');
  });

  test('system df (summary and -v) and prune', async () => {
    await d.ok(['create', '--name', 'stopped', 'busybox', 'true']);
    await d.ok(['run', '-d', '--name', 'running', '-v', 'dfvol:/v', 'busybox', 'sleep', '100']);
    await same(['system', 'df']);
    await same(['system', 'df', '--format', '{{.Type}}: {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}']);
    const verbose = await berth(['system', 'df', '-v']);
    for (const section of ['Images space usage:', 'Containers space usage:', 'Local Volumes space usage:', 'Build cache usage:']) assert.ok(verbose.includes(section), section);
    assert.match(verbose, /^busybox\s+latest\s+[0-9a-f]{12}\s/m);
    assert.match(verbose, /^dfvol\s+1\s+\S+/m);
    const pruned = await berth(['system', 'prune', '-f']);
    assert.match(pruned, /^Deleted Containers:\n[0-9a-f]{64}\n\n/);
    assert.match(pruned, /Total reclaimed space: \S+\n$/);
    assert.equal((await d.docker(['inspect', 'stopped'])).code, 1);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}}', 'running']), 'true');
    const refused = await d.berth(['system', 'prune', '--volumes', '--filter', 'until=1h', '-f']);
    assert.equal(refused.code, 1);
    await d.ok(['rm', '-f', 'running']);
    await d.ok(['volume', 'rm', 'dfvol']);
    await d.ok(['create', '--name', 'stopped2', 'busybox', 'true']);
    assert.match(await berth(['container', 'prune', '-f']), /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
    await same(['builder', 'prune', '-f']);
  });
});
