/**
 * Container options and queries with the real docker CLI: ps filters, logs options, exec options, security and
 * mount flags, network modes, events, and hostile input on import.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Daemon, run } from './harness.ts';

describe('container options with the docker CLI', () => {
  let d: Daemon;
  let scratch: string;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    scratch = await mkdtemp(join(tmpdir(), 'berth-opts-'));
  });
  after(async () => {
    await d?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  test('ps: filters, -a, -q, -n, --no-trunc, -s', async () => {
    const a = await d.ok(['run', '-d', '--name', 'psa', '--label', 'tier=web', 'busybox', 'sleep', '300']);
    const b = await d.ok(['create', '--name', 'psb', '--label', 'tier=db', 'busybox', 'true']);
    await d.ok(['tag', 'busybox', 'other:1']);
    assert.equal((await d.docker(['run', '--name', 'psc', 'other:1', 'sh', '-c', 'exit 4'])).code, 4);
    assert.equal(await d.ok(['ps', '-q', '--no-trunc']), a);
    assert.deepEqual((await d.ok(['ps', '-aq', '--no-trunc'])).split('\n').sort(), [a, b, await d.ok(['inspect', '-f', '{{.Id}}', 'psc'])].sort());
    assert.equal(await d.ok(['ps', '-a', '--filter', 'label=tier=db', '--format', '{{.Names}}']), 'psb');
    assert.equal(await d.ok(['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}']), 'psb');
    assert.equal(await d.ok(['ps', '-a', '--filter', 'exited=4', '--format', '{{.Names}} {{.Status}}']).then((s) => s.replace(/\d+ seconds?|Less than a second/, 'T')), 'psc Exited (4) T ago');
    // other:1 is another name for busybox's image, so every container descends from it.
    assert.equal(await d.ok(['ps', '-a', '--filter', 'ancestor=other:1', '--format', '{{.Names}}']).then((s) => s.split('\n').sort().join(',')), 'psa,psb,psc');
    assert.equal(await d.ok(['ps', '-a', '--filter', `id=${b.slice(0, 8)}`, '--format', '{{.Names}}']), 'psb');
    assert.equal(await d.ok(['ps', '-a', '--filter', 'name=ps[ab]', '--format', '{{.Names}}']).then((s) => s.split('\n').sort().join(',')), 'psa,psb');
    assert.equal(await d.ok(['ps', '-n', '1', '--format', '{{.Names}}']), 'psc');
    assert.match(await d.ok(['ps', '-s', '--format', '{{.Size}}']), /B \(virtual /);
    const bad = await d.docker(['ps', '--filter', 'bogus=1']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid filter 'bogus'/);
    await d.ok(['rm', '-f', 'psa', 'psb', 'psc']);
    await d.ok(['rmi', 'other:1']);
  });

  test('logs: stdout and stderr apart, tail, timestamps, since/until', async () => {
    await d.ok(['run', '--name', 'lg', 'busybox', 'sh', '-c', 'echo out1; echo err1 >&2; sleep 0.2; echo out2']);
    const r = await d.docker(['logs', 'lg']);
    assert.equal(r.stdout, 'out1\nout2\n');
    assert.equal(r.stderr, 'err1\n');
    assert.equal(await d.ok(['logs', '--tail', '1', 'lg']), 'out2');
    assert.match(await d.ok(['logs', '-t', 'lg']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out1$/m);
    assert.equal(await d.ok(['logs', '--since', '2100-01-01T00:00:00Z', 'lg']), '');
    assert.equal(await d.ok(['logs', '--until', '2000-01-01T00:00:00Z', 'lg']), '');
    // A TTY container's log is raw (no stdcopy frames).
    await d.ok(['run', '-t', '--name', 'lgt', 'busybox', 'echo', 'tty-out']);
    assert.equal(await d.ok(['logs', 'lgt']), 'tty-out');
    // Following an exited container returns at once.
    assert.equal((await d.docker(['logs', '-f', 'lg'], { timeoutMs: 5000 })).code, 0);
    await d.ok(['rm', 'lg', 'lgt']);
  });

  test('exec: -u, -w, -e, exit codes, detached', async () => {
    await d.ok(['run', '-d', '--name', 'ex', '-e', 'BASE=1', 'busybox', 'sleep', '300']);
    assert.equal(await d.ok(['exec', '-u', 'nobody', '-w', '/tmp', '-e', 'X=2', 'ex', 'sh', '-c', 'echo $(id -un) $(pwd) $X $BASE']), 'nobody /tmp 2 1');
    assert.equal((await d.docker(['exec', 'ex', 'sh', '-c', 'exit 9'])).code, 9);
    const missing = await d.docker(['exec', 'ex', 'nosuchcmd']);
    assert.equal(missing.code, 127);
    assert.match(missing.stdout + missing.stderr, /executable file not found/);
    assert.equal(await d.ok(['exec', '-i', 'ex', 'cat'], { input: 'piped\n' }), 'piped');
    await d.ok(['exec', '-d', 'ex', 'sh', '-c', 'echo detached > /tmp/d']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await d.ok(['exec', 'ex', 'cat', '/tmp/d']), 'detached');
    await d.ok(['rm', '-f', 'ex']);
  });

  test('security and filesystem flags', async () => {
    const drop = await d.ok(['run', '--rm', '--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', 'busybox', 'grep', 'CapEff', '/proc/self/status']);
    assert.match(drop, /CapEff:\s+0000000000001000/);
    const ro = await d.docker(['run', '--rm', '--read-only', 'busybox', 'touch', '/x']);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    assert.match(await d.ok(['run', '--rm', '--read-only', '--tmpfs', '/scratch:size=1m', 'busybox', 'sh', '-c', 'touch /scratch/x && grep " /scratch " /proc/mounts']), /tmpfs \/scratch tmpfs/);
    await writeFile(join(scratch, 'in.txt'), 'from host\n');
    assert.equal(await d.ok(['run', '--rm', '-v', `${scratch}:/data`, 'busybox', 'sh', '-c', 'cat /data/in.txt; echo back > /data/out.txt']), 'from host');
    assert.equal(await readFile(join(scratch, 'out.txt'), 'utf8'), 'back\n');
    const roBind = await d.docker(['run', '--rm', '-v', `${scratch}:/data:ro`, 'busybox', 'touch', '/data/y']);
    assert.notEqual(roBind.code, 0);
    assert.equal(await d.ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'via', 'entrypoint']), 'via entrypoint');
    assert.equal(await d.ok(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'cat /proc/1/comm']), 'docker-init');
    assert.equal(await d.ok(['run', '--rm', '-h', 'myhost', 'busybox', 'hostname']), 'myhost');
  });

  test('network modes none, host, bridge and container:<id>', async () => {
    assert.equal(await d.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net | tr "\\n" " "']), 'lo');
    const hostIfs = (await run('ls', ['/sys/class/net'], {})).stdout.trim().split('\n').sort().join(' ');
    const inHost = (await d.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net'])).split('\n').sort().join(' ');
    assert.equal(inHost, hostIfs);
    assert.equal(await d.ok(['run', '--rm', 'busybox', 'sh', '-c', 'ls /sys/class/net | tr "\\n" " "']), 'eth0 lo');
    await d.ok(['run', '-d', '--name', 'netowner', 'busybox', 'sleep', '300']);
    const ownerIp = await d.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'netowner']);
    assert.match(await d.ok(['run', '--rm', '--network', 'container:netowner', 'busybox', 'ip', '-4', 'addr', 'show', 'eth0']), new RegExp(`inet ${ownerIp.replace(/\./g, '\\.')}/`));
    await d.ok(['rm', '-f', 'netowner']);
    const unknown = await d.docker(['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true']);
    assert.equal(unknown.code, 125);
  });

  test('events stream with filters', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await d.ok(['run', '--rm', '--name', 'evt', '--label', 'ev=1', 'busybox', 'true']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const out = await d.ok(['events', '--since', String(since), '--until', String(until), '--filter', 'container=evt', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
    const actions = out.split('\n').map((l) => l.split(' ')[1]);
    for (const a of ['create', 'attach', 'start', 'die', 'destroy']) assert.ok(actions.includes(a), `missing ${a} in ${out}`);
    const json = await d.ok(['events', '--since', String(since), '--until', String(until), '--filter', 'event=die', '--filter', 'label=ev=1', '--format', '{{json .}}']);
    const e = JSON.parse(json.split('\n')[0]);
    assert.equal(e.status, 'die');
    assert.equal(e.Actor.Attributes.exitCode, '0');
    assert.equal(typeof e.timeNano, 'number');
  });

  test('events for exec, top, cp, export, commit, pause, kill, rename, stop, with Docker\'s attributes', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = await d.ok(['run', '-d', '--name', 'evlife', 'busybox', 'sleep', '100']);
    await d.ok(['exec', 'evlife', 'sh', '-c', 'exit 3']).catch(() => undefined);
    await d.ok(['top', 'evlife']);
    await d.ok(['cp', 'evlife:/etc/hostname', '-']);
    await d.ok(['commit', '-m', 'snap', 'evlife', 'evsnap:1']);
    await d.ok(['pause', 'evlife']);
    await d.ok(['unpause', 'evlife']);
    await d.ok(['kill', '-s', 'USR1', 'evlife']);
    await d.ok(['rename', 'evlife', 'evlife2']);
    await d.ok(['stop', '-t', '0', 'evlife2']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = (await d.ok(['events', '--since', String(since), '--until', String(until), '--filter', `container=${id}`, '--format', '{{json .}}']))
      .split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
    const attrs = (action: string) => events.find((e) => e.Action === action)?.Actor.Attributes;
    for (const a of ['create', 'start', 'exec_create: sh -c exit 3', 'exec_start: sh -c exit 3', 'exec_die', 'top', 'archive-path', 'commit', 'pause', 'unpause', 'kill', 'rename', 'die', 'stop']) {
      assert.ok(attrs(a), `no ${a} event in ${events.map((e) => e.Action).join(', ')}`);
    }
    assert.equal(attrs('exec_die')!.exitCode, '3');
    assert.match(attrs('exec_die')!.execID, /^[0-9a-f]{64}$/);
    assert.equal(attrs('commit')!.comment, 'snap');
    assert.equal(attrs('commit')!.imageRef, 'evsnap:1');
    assert.match(attrs('commit')!.imageID, /^sha256:[0-9a-f]{64}$/);
    assert.equal(attrs('kill')!.signal, '10');
    assert.equal(attrs('rename')!.oldName, '/evlife');
    assert.equal(attrs('die')!.exitCode, '137');
    assert.match(attrs('die')!.execDuration, /^\d+$/);
    assert.equal(attrs('stop')!.name, 'evlife2');
    assert.equal(attrs('stop')!.image, 'busybox');
    await d.ok(['rm', 'evlife2']);
    await d.ok(['rmi', 'evsnap:1']);
  });

  test('a live events stream sees a container start', async () => {
    const p = spawn('docker', ['events', '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}}'], { env: d.env });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    await new Promise((r) => setTimeout(r, 300));
    await d.ok(['run', '--rm', '--name', 'live', 'busybox', 'true']);
    for (let i = 0; i < 50 && !out.includes('live'); i++) await new Promise((r) => setTimeout(r, 100));
    p.kill();
    assert.match(out, /^live$/m);
  });

  test('import of a hostile tar fails and stores nothing', async () => {
    const images = await d.ok(['images', '-q']);
    // A tar whose entry climbs out of the layer root.
    const tar = join(scratch, 'evil.tar');
    await run('python3', ['-c', `
import tarfile, io
with tarfile.open(${JSON.stringify(tar)}, 'w') as t:
    data = b'owned\\n'
    info = tarfile.TarInfo('../../../../../../tmp/berth-evil-escape')
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
    link = tarfile.TarInfo('etc')
    link.type = tarfile.SYMTYPE
    link.linkname = '/tmp'
    t.addfile(link)
    info2 = tarfile.TarInfo('etc/berth-evil-through-link')
    info2.size = len(data)
    t.addfile(info2, io.BytesIO(data))
`], {});
    const r = await d.docker(['import', tar, 'evil:1']);
    assert.notEqual(r.code, 0);
    await assert.rejects(readFile('/tmp/berth-evil-escape'));
    await assert.rejects(readFile('/tmp/berth-evil-through-link'));
    assert.equal(await d.ok(['images', '-q']), images);
  });

  test('system df and system prune', async () => {
    await d.ok(['create', '--name', 'stale', 'busybox', 'true']);
    assert.match(await d.ok(['system', 'df']), /^Images\s+\d+\s+\d+\s+\S+/m);
    const pruned = await d.ok(['system', 'prune', '-f']);
    assert.match(pruned, /Deleted Containers:\n[0-9a-f]{64}/);
    assert.match(pruned, /Total reclaimed space:/);
    assert.equal((await d.docker(['inspect', 'stale'])).code, 1);
  });

  test('system df: shared and unique image sizes, reclaimable space as Docker counts it', async () => {
    await d.ok(['build', '-q', '-t', 'dfchild:1', '-'], { input: 'FROM busybox\nRUN head -c 1000000 /dev/urandom > /blob\n' });
    await d.ok(['run', '-d', '--name', 'dfuser', 'dfchild:1', 'sleep', '100']);
    const df = JSON.parse((await d.api('GET', '/v1.50/system/df')).body) as { LayersSize: number; Images: { RepoTags: string[]; Size: number; SharedSize: number; Containers: number }[] };
    const img = (tag: string) => df.Images.find((i) => i.RepoTags.includes(tag))!;
    const base = img('busybox:latest');
    const child = img('dfchild:1');
    assert.equal(base.SharedSize, base.Size, 'the whole busybox layer is shared with its child');
    assert.equal(child.SharedSize, base.Size);
    assert.ok(child.Size - child.SharedSize >= 1_000_000, 'the child has its own megabyte');
    assert.equal(child.Containers, 1);
    assert.equal(df.LayersSize, child.Size);
    const row = await d.ok(['system', 'df', '--format', '{{.Type}}|{{.Reclaimable}}']);
    assert.match(row, /^Images\|\d[\d.]*[kM]?B \((\d+)%\)$/m);
    assert.ok(Number(/^Images\|.*\((\d+)%\)$/m.exec(row)![1]) < 100, `the running container's unique layer is not reclaimable:\n${row}`);
    await d.ok(['rm', '-f', 'dfuser']);
    await d.ok(['rmi', 'dfchild:1']);
  });

  test('--runtime picks crun or runc per container', async () => {
    assert.equal(await d.ok(['run', '--rm', '--runtime', 'runc', 'busybox', 'echo', 'via-runc']), 'via-runc');
    const id = await d.ok(['run', '-d', '--runtime', 'runc', 'busybox', 'sleep', '60']);
    assert.equal(await d.ok(['inspect', '-f', '{{.HostConfig.Runtime}}', id]), 'runc');
    assert.equal(await d.ok(['exec', id, 'echo', 'exec-runc']), 'exec-runc');
    await d.ok(['rm', '-f', id]);
    assert.equal(await d.ok(['inspect', '-f', '{{.HostConfig.Runtime}}', await d.ok(['create', 'busybox'])]), 'crun');
    const bad = await d.docker(['run', '--rm', '--runtime', 'nope', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /unknown or invalid runtime name: nope/);
  });

  test('docker commit: changes, deletions, -m/-a/-c, history', async () => {
    await d.ok(['run', '-d', '--name', 'tocommit', 'busybox', 'sh', '-c', 'echo committed > /hello.txt; rm /bin/ls; sleep 100']);
    await new Promise((r) => setTimeout(r, 300));
    const id = await d.ok(['commit', '-m', 'my msg', '-a', 'me', '-c', 'CMD ["cat","/hello.txt"]', 'tocommit', 'snap:v1']);
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await d.ok(['run', '--rm', 'snap:v1']), 'committed');
    assert.equal((await d.docker(['run', '--rm', 'snap:v1', 'ls'])).code, 127);
    assert.equal(await d.ok(['inspect', '-f', '{{.Comment}} {{.Author}} {{len .RootFS.Layers}}', 'snap:v1']), 'my msg me 2');
    assert.match(await d.ok(['history', 'snap:v1']), /my msg/);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}}', 'tocommit']), 'true');
    await d.ok(['rm', '-f', 'tocommit']);
    await d.ok(['rmi', 'snap:v1']);
  });

  test('--log-opt max-size/max-file rotates the log; docker logs reads across rotated files', async () => {
    const id = await d.ok(['run', '-d', '--name', 'rot', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c',
      'i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done; echo done; sleep 100']);
    for (let i = 0; i < 80 && !(await d.ok(['logs', '--tail', '1', 'rot'])).includes('done'); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1200));
    const logs = (await d.ok(['logs', 'rot'])).split('\n');
    assert.equal(logs.at(-1), 'done');
    assert.ok(logs.length < 300, `old lines were rotated away (${logs.length} left)`);
    assert.equal(logs.length, new Set(logs).size, 'no line twice');
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(`${d.dataRoot}/containers/${id}`)).filter((f) => f.startsWith('ctr.log')).sort();
    assert.deepEqual(files, ['ctr.log', 'ctr.log.1', 'ctr.log.2']);
    await d.ok(['rm', '-f', 'rot']);
    const bad = await d.docker(['run', '--rm', '--log-opt', 'max-file=3', 'busybox', 'true']);
    assert.match(bad.stderr, /max-file cannot be set without max-size/);
  });

  test('system prune -a --volumes -f frees images, anonymous volumes, networks and stopped containers', async () => {
    await d.ok(['tag', 'busybox', 'prunable:1']);
    // Since API 1.42 --volumes prunes anonymous volumes only, as Docker does; named ones stay.
    await d.ok(['create', '--name', 'stopped-one', '-v', '/anon', '-v', 'kept_vol:/data', 'busybox', 'true']);
    await d.ok(['network', 'create', 'unused_net']);
    const out = await d.ok(['system', 'prune', '-a', '--volumes', '-f']);
    assert.match(out, /Deleted Containers:/);
    assert.match(out, /Deleted Networks:\nunused_net/);
    assert.match(out, /Deleted Volumes:\n[0-9a-f]{64}/);
    assert.match(out, /untagged: prunable:1/);
    assert.equal(await d.ok(['images', '-q']), '');
    assert.equal(await d.ok(['volume', 'ls', '-q']), 'kept_vol');
    assert.match(await d.ok(['system', 'df']), /^Images\s+0\s+0\s+0B/m);
    await d.ok(['volume', 'rm', 'kept_vol']);
    await d.importBusybox();
  });

  test('system prune --filter label= and until= select containers, images and networks alike', async () => {
    for (const stage of ['old', 'new']) {
      await d.ok(['create', '--name', `${stage}-c`, '--label', `stage=${stage}`, 'busybox', 'true']);
      await d.ok(['network', 'create', '--label', `stage=${stage}`, `${stage}_net`]);
      await d.ok(['build', '-q', '-t', `${stage}img:1`, '-'], { input: `FROM busybox\nLABEL stage=${stage}\nRUN echo ${stage} > /stage\n` });
    }
    const out = await d.ok(['system', 'prune', '-a', '-f', '--filter', 'label=stage=old']);
    assert.match(out, /Deleted Networks:\nold_net\n/);
    assert.match(out, /untagged: oldimg:1/);
    assert.equal((await d.docker(['inspect', 'old-c'])).code, 1);
    for (const kept of ['new-c', 'new_net', 'newimg:1', 'busybox']) assert.equal((await d.docker(['inspect', kept])).code, 0, `${kept} is kept`);

    // until= keeps everything created after the cut-off; a cut-off in the future takes the rest.
    const none = await d.ok(['system', 'prune', '-a', '-f', '--filter', 'until=24h']);
    assert.doesNotMatch(none, /Deleted|untagged/);
    const future = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const rest = await d.ok(['system', 'prune', '-a', '-f', '--filter', `until=${future}`, '--filter', 'label=stage=new']);
    assert.match(rest, /Deleted Containers:\n[0-9a-f]{64}\n/);
    assert.match(rest, /Deleted Networks:\nnew_net\n/);
    assert.match(rest, /untagged: newimg:1/);
    assert.equal(await d.ok(['ps', '-aq', '--filter', 'label=stage']), '');
  });
});
