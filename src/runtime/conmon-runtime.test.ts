/** Real containers under conmon + crun (needs root). Every test deletes its containers and temp dirs. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { makeBusyboxRootfs } from './testing/busybox-rootfs.ts';
import { buildSpec, type SpecInput } from './spec/build-spec.ts';
import { ConmonRuntime } from './conmon-runtime.ts';
import { prepareHost } from './host.ts';
import { readExitFile, isProcessAlive } from './exit-file.ts';
import { readLogs } from './logs.ts';

let fx: Awaited<ReturnType<typeof makeBusyboxRootfs>>;
let rt: ConmonRuntime;
const created: string[] = [];
let seq = 0;

before(async () => {
  const host = await prepareHost();
  fx = await makeBusyboxRootfs();
  // BERTH_TEST_RUNTIME=runc runs the same suite on runc.
  const runtime = (process.env.BERTH_TEST_RUNTIME as 'crun' | 'runc' | undefined) ?? host.runtime;
  rt = new ConmonRuntime({ runtime, root: join(fx.dir, 'state') });
});
/** This test run's own cgroup parent, removed at the end (a daemon's is /berth or /berth_<hash>). */
const CGROUP_PARENT = `/berth_test_${process.pid}`;

after(async () => {
  for (const id of created) await rt.delete(id, { force: true }).catch(() => {});
  await fx.cleanup();
  for (const c of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await rmdir(`/sys/fs/cgroup/${c}${CGROUP_PARENT}`).catch(() => {});
});

function collect(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  s.on('data', (b: Buffer) => chunks.push(b));
  return new Promise((r) => s.on('end', () => r(Buffer.concat(chunks).toString())));
}

async function createCtr(args: string[], o: Partial<SpecInput> & { openStdin?: boolean; stdinOnce?: boolean } = {}) {
  const id = `rt-${process.pid}-${seq++}`;
  created.push(id);
  const spec = buildSpec({
    id, rootfs: fx.rootfs, args, env: ['PATH=/bin', 'TERM=xterm'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] },
    terminal: false, hostname: id.slice(0, 12), privileged: false, capAdd: [], capDrop: [], readonlyRootfs: false,
    tmpfs: {}, binds: [], network: { mode: 'none' }, etcFiles: {}, cgroupsPath: `${CGROUP_PARENT}/${id}`, ...o,
  });
  const bundleDir = join(fx.dir, 'bundles', id);
  const exitDir = join(fx.dir, 'exits');
  const logPath = join(fx.dir, 'logs', `${id}.log`);
  const r = await rt.create({ id, bundleDir, spec, logPath, exitDir, terminal: o.terminal ?? false, openStdin: o.openStdin ?? false, stdinOnce: o.stdinOnce });
  return { id, bundleDir, exitDir, logPath, ...r };
}

async function waitExit(exitDir: string, id: string): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const c = await readExitFile(exitDir, id);
    if (c !== undefined) return c;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no exit file');
}

test('create -> attach -> start: output on attach, in the log, exit code; Docker confinement', async () => {
  const c = await createCtr(['sh', '-c', 'echo out; echo err >&2; grep -E "^(CapEff|Seccomp):" /proc/self/status; wc -c < /proc/timer_list; exit 3']);
  assert.equal((await rt.state(c.id))?.status, 'created');
  const a = await rt.attach(c.bundleDir, { stdin: false });
  const out = collect(a.stdout);
  const err = collect(a.stderr);
  await rt.start(c.id);
  await a.closed;
  const stdout = await out;
  assert.match(stdout, /^out\n/);
  assert.match(stdout, /CapEff:\t00000000a80425fb/);
  assert.match(stdout, /Seccomp:\t2/);
  assert.match(stdout, /\n0\n$/, '/proc/timer_list is masked (/proc/kcore does not exist on this kernel)');
  assert.equal(await err, 'err\n');
  assert.equal(await waitExit(c.exitDir, c.id), 3);
  const log: string[] = [];
  for await (const e of readLogs(c.logPath, {})) log.push(`${e.stream}:${e.data}`);
  assert.ok(log.includes('stdout:out\n') && log.includes('stderr:err\n'), log.join(''));
  assert.equal((await rt.state(c.id))?.status, 'stopped');
  await rt.delete(c.id);
  await rt.delete(c.id);   // idempotent
  assert.equal(await rt.state(c.id), undefined);
});

test('stdin through attach with half-close', async () => {
  const c = await createCtr(['cat'], { openStdin: true, stdinOnce: true });
  const a = await rt.attach(c.bundleDir, { stdin: true });
  const out = collect(a.stdout);
  await rt.start(c.id);
  a.stdin!.write('hello ');
  a.stdin!.end(Buffer.alloc(20000, 'x'));
  await a.closed;
  assert.equal(await out, 'hello ' + 'x'.repeat(20000));
  assert.equal(await waitExit(c.exitDir, c.id), 0);
  await rt.delete(c.id);
});

test('tty container: resize and output through the pty', async () => {
  const c = await createCtr(['sh', '-c', 'read line; stty size; echo "got $line"'], { terminal: true, openStdin: true, stdinOnce: true });
  const a = await rt.attach(c.bundleDir, { stdin: true });
  const out = collect(a.stdout);
  await rt.start(c.id);
  await rt.resize(c.bundleDir, { height: 33, width: 111 });
  await new Promise((r) => setTimeout(r, 50));
  a.stdin!.write('ping\n');
  await a.closed;
  const text = await out;
  assert.match(text, /33 111/);
  assert.match(text, /got ping/);
  assert.equal(await waitExit(c.exitDir, c.id), 0);
  await rt.delete(c.id);
});

test('exec with and without tty, exit codes, missing executable; top; pause/resume; kill; delete', async () => {
  const c = await createCtr(['sleep', '1000']);
  await rt.start(c.id);
  assert.equal((await rt.state(c.id))?.status, 'running');

  const e1 = await rt.exec(c.id, c.bundleDir, { args: ['sh', '-c', 'echo exec-out; echo exec-err >&2; grep CapEff /proc/self/status; exit 7'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, attachStdin: false, attach: true });
  assert.ok(e1.pid > 0);
  const [o1, r1] = await Promise.all([collect(e1.streams!.stdout), collect(e1.streams!.stderr)]);
  assert.equal(o1, 'exec-out\nCapEff:\t00000000a80425fb\n');
  assert.equal(r1, 'exec-err\n');
  assert.equal(await e1.exitCode, 7);

  const e2 = await rt.exec(c.id, c.bundleDir, { args: ['sh', '-c', 'read x; stty size; echo "x=$x"'], env: ['PATH=/bin'], cwd: '/tmp', user: { uid: 65534, gid: 65534, additionalGids: [] }, terminal: true, attachStdin: true, attach: true });
  const o2 = collect(e2.streams!.stdout);
  await e2.resize(20, 70);
  await new Promise((r) => setTimeout(r, 50));
  e2.streams!.stdin!.write('yes\n');
  assert.equal(await e2.exitCode, 0);
  const t2 = await o2;
  assert.match(t2, /20 70/);
  assert.match(t2, /x=yes/);

  const e3 = await rt.exec(c.id, c.bundleDir, { args: ['id', '-u'], env: ['PATH=/bin'], cwd: '/', user: { uid: 65534, gid: 65534, additionalGids: [] }, terminal: false, attachStdin: false, attach: true });
  assert.equal((await collect(e3.streams!.stdout)).trim(), '65534');
  assert.equal(await e3.exitCode, 0);

  const detached = await rt.exec(c.id, c.bundleDir, { args: ['sh', '-c', 'exit 4'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, attachStdin: false, attach: false });
  assert.equal(detached.streams, null);
  assert.equal(await detached.exitCode, 4);

  await assert.rejects(
    rt.exec(c.id, c.bundleDir, { args: ['foo'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, attachStdin: false, attach: true }),
    (err: Error & { exitCode?: number }) => {
      assert.equal(err.message, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "foo": executable file not found in $PATH: unknown');
      assert.equal(err.exitCode, 127);
      return true;
    });

  const pids = await rt.top(c.id);
  assert.ok(pids.includes(c.pid), `${pids} has ${c.pid}`);

  await rt.pause(c.id);
  assert.equal((await rt.state(c.id))?.status, 'paused');
  await rt.resume(c.id);
  assert.equal((await rt.state(c.id))?.status, 'running');

  await rt.kill(c.id, 'SIGKILL');
  assert.equal(await waitExit(c.exitDir, c.id), 137);
  assert.equal(isProcessAlive(c.pid), false);
  await rt.delete(c.id);
  assert.equal(await rt.state(c.id), undefined);
});

test('missing executable fails create with 127 semantics', async () => {
  await assert.rejects(createCtr(['nope-not-here']), (err: Error & { exitCode?: number }) => {
    assert.match(err.message, /OCI runtime create failed: .*nope-not-here.*/);
    assert.equal(err.exitCode, 127);
    return true;
  });
});

test('timing: create+start+exit of true', async () => {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const c = await createCtr(['true']);
    await rt.start(c.id);
    assert.equal(await waitExit(c.exitDir, c.id), 0);
    runs.push(performance.now() - t0);
    await rt.delete(c.id);
  }
  runs.sort((a, b) => a - b);
  console.log(`create+start+exit of true: median ${runs[2].toFixed(1)} ms, min ${runs[0].toFixed(1)} ms`);
  assert.ok(runs[2] < 1000);
});

test('conmon outlives its parent: attach again by path after the first connection is gone', async () => {
  const c = await createCtr(['sh', '-c', 'sleep 0.3; echo late'], {});
  await rt.start(c.id);
  const a1 = await rt.attach(c.bundleDir, { stdin: false });
  a1.close();
  await a1.closed;
  const a2 = await rt.attach(c.bundleDir, { stdin: false });
  assert.equal(await collect(a2.stdout), 'late\n');
  assert.equal(await waitExit(c.exitDir, c.id), 0);
  for (let i = 0; i < 100 && isProcessAlive(c.conmonPid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(isProcessAlive(c.conmonPid), false, 'conmon exits after the container');
  const cfg = JSON.parse(await readFile(join(c.bundleDir, 'config.json'), 'utf8'));
  assert.equal(cfg.linux.cgroupsPath, `${CGROUP_PARENT}/${c.id}`);
  await rt.delete(c.id);
});
