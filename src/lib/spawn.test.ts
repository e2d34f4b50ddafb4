import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnChild, type SpawnedChild } from './spawn.ts';
import { execFile } from './exec.ts';

const closed = (c: SpawnedChild) => new Promise<[number | null, string | null]>((r) => c.on('close', (code, sig) => r([code, sig])));

test('spawnChild: output, exit code, input, cwd and env', async () => {
  const dir = await realpath(await mkdtemp(`${tmpdir()}/berth-spawn-`));
  try {
    const r = await execFile('sh', ['-c', 'read x; echo "$x $PWD $FOO"; echo err >&2; exit 3'], { input: 'hello\n', cwd: dir, env: { FOO: 'bar', PATH: '/usr/bin:/bin' }, allowFailure: true });
    assert.deepEqual(r, { stdout: `hello ${dir} bar\n`, stderr: 'err\n', code: 3 });
    await assert.rejects(execFile('sh', ['-c', 'echo broken >&2; exit 1']), /sh -c: broken/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('spawnChild: a missing program throws ENOENT; a signal is reported by name', async () => {
  assert.throws(() => spawnChild('/nonexistent/prog', []), { code: 'ENOENT' });
  await assert.rejects(execFile('no-such-program-here', []), /ENOENT/);
  const c = spawnChild('sleep', ['10']);
  c.kill('SIGTERM');
  assert.deepEqual(await closed(c), [null, 'SIGTERM']);
  assert.equal(c.kill(), false, 'a reaped child is not signalled again');
});

test('spawnChild: default signal dispositions, empty mask, own session when detached', async () => {
  const c = spawnChild('sleep', ['10'], { detached: true, stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    const status = await readFile(`/proc/${c.pid}/status`, 'utf8');
    assert.match(status, /^SigIgn:\s+0+$/m, 'SIGPIPE is not inherited as ignored');
    assert.match(status, /^SigBlk:\s+0+$/m);
    const stat = (await readFile(`/proc/${c.pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    assert.equal(Number(stat[3]), c.pid, 'session id is its own pid');
  } finally {
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
  }
});

test('spawnChild: many concurrent children are all reaped; an abort kills', async () => {
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => execFile('sh', ['-c', `exit ${i % 5}`], { allowFailure: true })));
  assert.deepEqual(results.map((r) => r.code), Array.from({ length: 40 }, (_, i) => i % 5));
  const ac = new AbortController();
  const p = execFile('sleep', ['10'], { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(p, { name: 'AbortError' });
});

test('waiting for a child keeps the process alive (nothing else pending)', async () => {
  const script = `import { execFile } from ${JSON.stringify(new URL('./exec.ts', import.meta.url).href)};
for (let i = 0; i < 20; i++) await execFile('sh', ['-c', 'exec 1>&- 2>&-; sleep 0.02']);
console.log('done');`;
  const r = await execFile(process.execPath, ['--input-type=module', '-e', script], { allowFailure: true });
  assert.deepEqual([r.code, r.stdout.trim()], [0, 'done'], r.stderr);
});
