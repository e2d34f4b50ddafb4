/**
 * Volumes, docker cp, docker export and docker diff with the real docker CLI 28 against a real berthd.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, run } from './harness.ts';

const BUSYBOX_TAR = join(tmpdir(), 'berth-test-busybox.tar'); // written by importBusybox()

describe('volumes, docker cp, export and diff', () => {
  let d: Daemon;
  let tmp: string;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
    tmp = await mkdtemp(join(tmpdir(), 'berth-cp-'));
  });
  after(async () => {
    await d?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const volumeNames = async () => (await d.ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean);

  test('named volume outlives its container; ls/inspect shapes; in-use rm is a 409', async () => {
    assert.equal(await d.ok(['volume', 'create', 'web2_redis']), 'web2_redis');
    await d.ok(['run', '--name', 'w1', '-v', 'web2_redis:/data', 'busybox', 'sh', '-c', 'echo hello > /data/f']);
    const mounts = JSON.parse(await d.ok(['inspect', '-f', '{{json .Mounts}}', 'w1'])) as Record<string, unknown>[];
    assert.deepEqual(mounts, [{
      Type: 'volume', Name: 'web2_redis', Source: join(d.dataRoot, 'volumes', 'web2_redis', '_data'), Destination: '/data',
      Driver: 'local', Mode: 'z', RW: true, Propagation: '',
    }]);
    await d.ok(['rm', 'w1']);
    assert.equal(await d.ok(['run', '--rm', '-v', 'web2_redis:/data', 'busybox', 'cat', '/data/f']), 'hello');

    assert.match(await d.ok(['volume', 'ls', '--format', '{{.Driver}} {{.Name}}']), /^local web2_redis$/m);
    const [v] = JSON.parse(await d.ok(['volume', 'inspect', 'web2_redis'])) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(v!).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.equal(v!.Mountpoint, join(d.dataRoot, 'volumes', 'web2_redis', '_data'));
    assert.equal(v!.Scope, 'local');
    const labelled = await d.ok(['volume', 'create', '--label', 'app=web', 'labelled']);
    assert.equal(await d.ok(['volume', 'ls', '-q', '-f', 'label=app=web']), labelled);

    const holder = await d.ok(['create', '--name', 'holder', '-v', 'web2_redis:/data', 'busybox']);
    const r = await d.docker(['volume', 'rm', 'web2_redis']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Error response from daemon: remove web2_redis: volume is in use - \\[${holder}\\]`));
    assert.equal((await d.api('DELETE', '/volumes/web2_redis')).status, 409);
    assert.deepEqual((await d.ok(['volume', 'ls', '-q', '-f', 'dangling=true'])).split('\n'), ['labelled']);
    await d.ok(['rm', 'holder']);
    assert.match(await d.ok(['volume', 'ls', '-q', '-f', 'dangling=true']), /web2_redis/);
    const bad = await d.docker(['volume', 'create', 'a']);
    assert.match(bad.stderr, /volume name is too short/);
    await d.ok(['volume', 'rm', 'labelled']);
  });

  test('named volume gets the image content at its path on first use', async () => {
    await d.ok(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'true']);
    assert.match(await d.ok(['run', '--rm', '-v', 'etcvol:/mnt', 'busybox', 'cat', '/mnt/passwd']), /^nobody:x:65534:65534/m);
    // nocopy leaves a new volume empty
    assert.equal(await d.ok(['run', '--rm', '-v', 'emptyvol:/etc:nocopy', 'busybox', 'ls', '-A', '/etc']), '');
    await d.ok(['volume', 'rm', 'etcvol', 'emptyvol']);
  });

  test('--volumes-from shares an image VOLUME live; rm -v removes the anonymous volume', async () => {
    await d.ok(['import', '--change', 'VOLUME /shared', '--change', 'CMD ["sh"]', BUSYBOX_TAR, 'volimg']);
    await d.ok(['run', '-d', '--name', 'va', 'volimg', 'sleep', '300']);
    await d.ok(['run', '-d', '--name', 'vb', '--volumes-from', 'va', 'busybox', 'sleep', '300']);
    const [m] = JSON.parse(await d.ok(['inspect', '-f', '{{json .Mounts}}', 'va'])) as { Name: string; Destination: string; RW: boolean }[];
    assert.match(m!.Name, /^[0-9a-f]{64}$/);
    assert.equal(m!.Destination, '/shared');
    assert.ok((await volumeNames()).includes(m!.Name));
    await d.ok(['exec', 'va', 'sh', '-c', 'echo live > /shared/x']);
    assert.equal(await d.ok(['exec', 'vb', 'cat', '/shared/x']), 'live');
    const [mb] = JSON.parse(await d.ok(['inspect', '-f', '{{json .Mounts}}', 'vb'])) as { Name: string }[];
    assert.equal(mb!.Name, m!.Name);
    // read-only import
    const ro = await d.docker(['run', '--rm', '--volumes-from', 'va:ro', 'busybox', 'touch', '/shared/y']);
    assert.notEqual(ro.code, 0);
    await d.ok(['rm', '-f', 'vb']);
    await d.ok(['rm', '-fv', 'va']);
    assert.ok(!(await volumeNames()).includes(m!.Name), 'rm -v removed the anonymous volume');
    await d.ok(['rmi', 'volimg']);
  });

  test('docker cp into a running container and out of a stopped one', async () => {
    const src = join(tmp, 'dir');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'A');
    await writeFile(join(src, 'sub', 'b.txt'), 'B');
    await d.ok(['run', '-d', '--name', 'cpr', '-v', 'cpvol:/data', 'busybox', 'sleep', '300']);
    await d.ok(['cp', src, 'cpr:/tmp/']);
    assert.equal(await d.ok(['exec', 'cpr', 'cat', '/tmp/dir/a.txt', '/tmp/dir/sub/b.txt']), 'AB');
    await d.ok(['cp', join(src, 'a.txt'), 'cpr:/data/in-volume.txt']);
    assert.equal(await d.ok(['exec', 'cpr', 'cat', '/data/in-volume.txt']), 'A');
    await d.ok(['exec', 'cpr', 'sh', '-c', 'echo from-volume > /data/out.txt']);
    await d.ok(['cp', 'cpr:/data/out.txt', join(tmp, 'vol-out.txt')]);
    assert.equal(await readFile(join(tmp, 'vol-out.txt'), 'utf8'), 'from-volume\n');

    await d.ok(['run', '--name', 'cps', 'busybox', 'sh', '-c', 'echo stopped-data > /out.txt']);
    await d.ok(['cp', 'cps:/out.txt', join(tmp, 'out.txt')]);
    assert.equal(await readFile(join(tmp, 'out.txt'), 'utf8'), 'stopped-data\n');
    const miss = await d.docker(['cp', 'cps:/nope', join(tmp, 'nope')]);
    assert.notEqual(miss.code, 0);
    assert.match(miss.stderr, /Could not find the file \/nope in container cps/);
    // nothing stays mounted for the stopped container
    const mounts = await readFile('/proc/self/mounts', 'utf8');
    const id = await d.ok(['inspect', '-f', '{{.Id}}', 'cps']);
    assert.ok(!mounts.includes(id), 'stopped container rootfs unmounted after cp');

    await d.ok(['run', '-d', '--read-only', '--name', 'cpro', 'busybox', 'sleep', '300']);
    const ro = await d.docker(['cp', join(src, 'a.txt'), 'cpro:/tmp/']);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /container rootfs is marked read-only/);
    await d.ok(['rm', '-f', 'cpr', 'cpro']);
    await d.ok(['volume', 'rm', 'cpvol']);
  });

  test('docker cp through a hostile symlink stays inside the container', async () => {
    await d.ok(['run', '--name', 'esc', 'busybox', 'sh', '-c', 'ln -s / /escape && ln -s ../../../../ /tmp/up']);
    await d.ok(['cp', 'esc:/escape/etc/passwd', join(tmp, 'pw')]);
    const got = await readFile(join(tmp, 'pw'), 'utf8');
    assert.match(got, /^www-data:x:33:33/m);
    assert.notEqual(got, await readFile('/etc/passwd', 'utf8'));
    const marker = `berth-escape-${process.pid}`;
    await writeFile(join(tmp, marker), 'x');
    await d.ok(['cp', join(tmp, marker), 'esc:/tmp/up/tmp/']);
    assert.ok(!existsSync(join('/tmp', marker)), 'nothing written to the host /tmp');
    await d.ok(['cp', `esc:/tmp/${marker}`, join(tmp, 'back')]);
    assert.equal(await readFile(join(tmp, 'back'), 'utf8'), 'x');
    await d.ok(['rm', 'esc']);
  });

  test('docker export | tar t, and docker diff', async () => {
    const list = await run('bash', ['-c', 'set -o pipefail; docker export cps | tar -t'], { env: d.env });
    assert.equal(list.code, 0, list.stderr);
    const names = list.stdout.split('\n');
    assert.ok(names.includes('bin/busybox'));
    assert.ok(names.includes('out.txt'));
    await d.ok(['run', '--name', 'df', 'busybox', 'sh', '-c', 'touch /newfile; mkdir /newdir; rm /bin/ls; echo x >> /etc/passwd']);
    const diff = (await d.ok(['diff', 'df'])).split('\n').sort();
    assert.deepEqual(diff, ['A /newdir', 'A /newfile', 'C /bin', 'C /etc', 'C /etc/passwd', 'D /bin/ls']);
    await d.ok(['rm', 'df', 'cps']);
  });

  test('volume prune; nothing left mounted under the data root', async () => {
    await d.ok(['run', '--name', 'anon', '-v', '/anon', 'busybox', 'true']);
    const [m] = JSON.parse(await d.ok(['inspect', '-f', '{{json .Mounts}}', 'anon'])) as { Name: string }[];
    assert.ok((await d.ok(['volume', 'prune', '-f'])).includes('Total reclaimed space'));
    assert.ok((await volumeNames()).includes(m!.Name), 'a volume in use is not pruned');
    await d.ok(['rm', 'anon']);
    const out = await d.ok(['volume', 'prune', '-f']);
    assert.match(out, new RegExp(m!.Name));
    assert.ok((await volumeNames()).includes('web2_redis'), 'named volumes stay without --all');
    await d.ok(['volume', 'prune', '-af']);
    assert.deepEqual(await volumeNames(), []);
    assert.equal(await d.ok(['ps', '-aq']), '');
    const left = (await readFile('/proc/self/mounts', 'utf8')).split('\n').filter((l) => l.split(' ')[1]?.startsWith(`${d.dataRoot}/`));
    assert.deepEqual(left, []);
  });
});
