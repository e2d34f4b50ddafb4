import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from '../../../lib/exec.ts';
import { ImageService } from '../../../image/index.ts';
import { ApiServer } from '../../server.ts';
import { route } from '../../router.ts';
import { imageRoutes } from './routes.ts';

/** Drives the real docker CLI against the image routes on a temporary socket. */
test('docker CLI: import, images, inspect, history, tag, rmi, prune', async (t) => {
  const docker = await execFile('docker', ['--version'], { allowFailure: true }).catch(() => undefined);
  if (!docker || docker.code !== 0) return t.skip('docker CLI not installed');
  const base = await mkdtemp(join(tmpdir(), 'berth-api-img-'));
  const sock = join(base, 'd.sock');
  const svc = await ImageService.open({ dataRoot: join(base, 'data') });
  const ping = route('GET', '/_ping', async (ctx) => {
    ctx.res.writeHead(200, { 'API-Version': '1.50', 'Content-Type': 'text/plain', OSType: 'linux' });
    ctx.res.end('OK');
  });
  const server = new ApiServer({ routes: [ping, ...imageRoutes(svc)] });
  await server.listen(`unix://${sock}`);
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
  const run = (args: string[], o: { allowFailure?: boolean } = {}) => execFile('docker', args, { env, allowFailure: o.allowFailure });
  try {
    const root = join(base, 'rootfs');
    await mkdir(join(root, 'bin'), { recursive: true });
    await copyFile('/bin/busybox', join(root, 'bin/busybox'));
    await symlink('busybox', join(root, 'bin/sh'));
    await writeFile(join(base, 'x'), '');
    const tarPath = join(base, 'rootfs.tar');
    await execFile('tar', ['-C', root, '-cf', tarPath, '.']);

    const imp = await run(['import', '--change', 'CMD ["sh"]', '--change', 'ENV A=1', '-m', 'hello', tarPath, 'busybox:latest']);
    const id = imp.stdout.trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.match((await run(['images'])).stdout, /busybox\s+latest\s+[a-f0-9]{12}/);
    assert.equal((await run(['image', 'inspect', '-f', '{{json .Config.Cmd}} {{.Comment}}', 'busybox'])).stdout.trim(), '["sh"] hello');
    assert.match((await run(['history', 'busybox'])).stdout, /hello/);
    await run(['tag', 'busybox', 'alpine:3']);
    assert.match((await run(['images', '--filter', 'reference=alp*', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, /^alpine:3\n$/);
    assert.match((await run(['rmi', 'alpine:3'])).stdout, /Untagged: alpine:3/);
    const missing = await run(['image', 'inspect', 'nope'], { allowFailure: true });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such image: nope:latest/);
    const pull = await run(['pull', 'busybox:1.36'], { allowFailure: true });
    assert.notEqual(pull.code, 0);
    const rmi = await run(['rmi', 'busybox']);
    assert.match(rmi.stdout, /Untagged: busybox:latest\nDeleted: sha256:/);
    await run(['import', tarPath]);
    assert.match((await run(['image', 'prune', '-f'])).stdout, /deleted: sha256:[\s\S]*Total reclaimed space: 1\.9/);
    assert.equal((await run(['images', '-q'])).stdout, '');
  } finally {
    await server.close();
    await rm(base, { recursive: true, force: true });
  }
});
