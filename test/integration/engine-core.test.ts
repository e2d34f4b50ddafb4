/**
 * Engine core acceptance (issue 2) with the real docker CLI 28 against a real berthd.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from './harness.ts';

describe('engine core with the docker CLI', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
  });
  after(async () => {
    await d?.stop();
  });

  test('docker version and info', async () => {
    const v = await d.ok(['version', '--format', '{{.Server.Platform.Name}} {{.Server.APIVersion}}']);
    assert.equal(v, 'Berth 1.50');
    const info = await d.ok(['info', '--format', '{{.Driver}} {{.OperatingSystem}} {{.NCPU}}']);
    assert.match(info, /^overlay2 .+ \d+$/);
  });

  test('import busybox and inspect it', async () => {
    const id = await d.importBusybox();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const images = await d.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.match(images, /^busybox:latest$/m);
    const cmd = await d.ok(['image', 'inspect', 'busybox', '--format', '{{json .Config.Cmd}} {{len .RootFS.Layers}}']);
    assert.equal(cmd, '["sh"] 1');
  });

  test('run: output, exit codes, env/workdir/user, stdin', async () => {
    assert.equal(await d.ok(['run', '--rm', 'busybox', 'echo', 'hello']), 'hello');
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3);
    const out = await d.ok(['run', '--rm', '-e', 'A=1', '-w', '/tmp', '-u', '65534', 'busybox', 'sh', '-c', 'echo $A $(pwd) $(id -u)']);
    assert.equal(out, '1 /tmp 65534');
    assert.equal(await d.ok(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'hi\n' }), 'hi');
    assert.equal(await d.ok(['run', '--rm', '-u', 'nobody', 'busybox', 'id', '-un']), 'nobody');
    // --rm removed them all
    assert.equal(await d.ok(['ps', '-aq']), '');
  });

  test('default hardening: capabilities, seccomp, masked paths', async () => {
    // /proc/kcore does not exist on every kernel (not on this one); where it does it must read empty.
    const out = await d.ok(['run', '--rm', 'busybox', 'sh', '-c',
      'grep -E "^(CapEff|Seccomp):" /proc/self/status; echo kcore=$( [ -e /proc/kcore ] && wc -c < /proc/kcore || echo absent); echo timer_list=$(wc -c < /proc/timer_list)']);
    assert.match(out, /CapEff:\s+00000000a80425fb/);
    assert.match(out, /Seccomp:\s+2/);
    assert.match(out, /^kcore=(0|absent)$/m);
    assert.match(out, /^timer_list=0$/m);
    const masked = await d.ok(['create', 'busybox']);
    assert.match(await d.ok(['inspect', '-f', '{{json .HostConfig.MaskedPaths}}', masked]), /"\/proc\/kcore"/);
    await d.ok(['rm', masked]);
    const priv = await d.ok(['run', '--rm', '--privileged', 'busybox', 'grep', 'CapEff', '/proc/self/status']);
    assert.doesNotMatch(priv, /00000000a80425fb/);
  });

  test('detached container lifecycle', async () => {
    const id = await d.ok(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 1; done']);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(await d.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^web Up /m);
    await sleepMs(1500);
    assert.match(await d.ok(['logs', 'web']), /tick/);
    const follow = await d.docker(['logs', '-f', '--tail', '1', 'web'], { timeoutMs: 2500 });
    assert.match(follow.stdout, /^tick\n/);
    assert.match(await d.ok(['exec', 'web', 'ls', '/']), /\bbin\b/);
    assert.match(await d.ok(['top', 'web']), /sleep|sh -c/);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}}', 'web']), 'true');
    assert.match(await d.ok(['inspect', '-f', '{{.State.Pid}}', 'web']), /^[1-9]\d*$/);
    await d.ok(['pause', 'web']);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}}', 'web']), 'paused');
    await d.ok(['unpause', 'web']);
    await d.ok(['stop', '-t', '1', 'web']);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}}', 'web']), 'exited');
    await d.ok(['start', 'web']);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}}', 'web']), 'true');
    await d.ok(['restart', '-t', '1', 'web']);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}}', 'web']), 'true');
    await d.ok(['rename', 'web', 'web2']);
    assert.equal(await d.ok(['inspect', '-f', '{{.Name}}', 'web2']), '/web2');
    await d.ok(['rm', '-f', 'web2']);
    assert.equal((await d.docker(['inspect', 'web2'])).code, 1);
  });

  test('rmi refuses an image in use (409) and succeeds once the container is gone', async () => {
    const id = await d.ok(['create', 'busybox', 'true']);
    const r = await d.docker(['rmi', 'busybox']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /conflict: unable to remove repository reference "busybox" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}/);
    const api = await d.api('DELETE', '/v1.50/images/busybox');
    assert.equal(api.status, 409);
    await d.ok(['rm', id]);
    assert.match(await d.ok(['rmi', 'busybox']), /Untagged: busybox:latest\nDeleted: sha256:/);
    assert.equal((await d.docker(['image', 'inspect', 'busybox'])).code, 1);
    await d.importBusybox();
  });

  test('containers survive SIGKILL of the daemon', async () => {
    await d.ok(['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c', 'while true; do echo alive; sleep 0.5; done']);
    const pid = await d.ok(['inspect', '-f', '{{.State.Pid}}', 'survivor']);
    await d.kill9();
    await d.launch();
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}} {{.State.Pid}}', 'survivor']), `true ${pid}`);
    assert.match(await d.ok(['logs', '--tail', '2', 'survivor']), /alive/);
    assert.equal(await d.ok(['exec', 'survivor', 'echo', 'exec-ok']), 'exec-ok');
    await d.ok(['stop', '-t', '1', 'survivor']);
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}}', 'survivor']), 'exited');
    await d.ok(['rm', 'survivor']);
  });

  test('a container that exits while the daemon is down gets its real exit code', async () => {
    await d.ok(['run', '-d', '--name', 'shortlived', 'busybox', 'sh', '-c', 'sleep 1; exit 7']);
    await d.kill9();
    await sleepMs(1500);
    await d.launch();
    assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'shortlived']), 'exited 7');
    await d.ok(['rm', 'shortlived']);
  });

  test('bad input gets Docker errors and leaves nothing behind', async () => {
    const before = await d.ok(['ps', '-aq']);
    const noImage = await d.docker(['run', '--rm', 'nosuchimage:1', 'true']);
    assert.equal(noImage.code, 125);
    assert.match(noImage.stderr, /Unable to find image 'nosuchimage:1' locally/);
    // `docker create` reports daemon errors with exit status 1 (only run uses 125).
    const badName = await d.docker(['create', '--name', 'bad!name', 'busybox']);
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /Invalid container name \(bad!name\)/);
    await d.ok(['create', '--name', 'dup', 'busybox']);
    const dup = await d.docker(['run', '--name', 'dup', 'busybox']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /Conflict. The container name "\/dup" is already in use/);
    await d.ok(['rm', 'dup']);
    const malformed = await d.api('POST', '/v1.50/containers/create', '{"Image": ');
    assert.equal(malformed.status, 400);
    await d.ok(['create', '--name', 'stopped', 'busybox', 'true']);
    const execStopped = await d.docker(['exec', 'stopped', 'true']);
    assert.notEqual(execStopped.code, 0);
    assert.match(execStopped.stderr, /is not running/);
    await d.ok(['rm', 'stopped']);
    const notFoundCmd = await d.docker(['run', '--rm', 'busybox', 'nosuchcmd']);
    assert.equal(notFoundCmd.code, 127);
    assert.equal(await d.ok(['ps', '-aq']), before);
  });
});

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
