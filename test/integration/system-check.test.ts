/**
 * `berth system check` (issue 6): a clean store reports nothing; injected damage (a corrupt blob, a leftover
 * rootfs mount, a leftover cgroup) is found and repaired.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Daemon, run } from './harness.ts';

const FAKE = 'f'.repeat(64);

describe('berth system check', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await rmdir(`/sys/fs/cgroup/pids${d.cgroupParent}/${FAKE}`).catch(() => undefined);
    await d?.stop();
  });

  test('clean store: no problems', async () => {
    const r = await d.berth(['system', 'check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok: no problems found/);
  });

  test('finds and repairs a corrupt blob, a leftover mount and a leftover cgroup', async () => {
    const blobs = join(d.dataRoot, 'content', 'blobs', 'sha256');
    const victim = (await readdir(blobs))[0];
    await appendFile(join(blobs, victim), 'garbage');
    const target = join(d.dataRoot, 'containers', FAKE, 'rootfs');
    await mkdir(target, { recursive: true });
    assert.equal((await run('mount', ['-t', 'tmpfs', 'tmpfs', target], {})).code, 0);
    await mkdir(`/sys/fs/cgroup/pids${d.cgroupParent}/${FAKE}`, { recursive: true });
    const found = await d.berth(['system', 'check']);
    assert.equal(found.code, 1);
    assert.match(found.stdout, new RegExp(`problem: blob sha256:${victim}: content does not match its digest`));
    assert.match(found.stdout, new RegExp(`problem: mount ${target}: container ${FAKE} is not running`));
    assert.match(found.stdout, new RegExp(`problem: cgroup /sys/fs/cgroup/pids${d.cgroupParent}/${FAKE}`));
    const fixed = await d.berth(['system', 'check', '--repair']);
    assert.equal(fixed.code, 0, fixed.stdout);
    assert.match(fixed.stdout, /repaired: removed corrupt blob/);
    assert.match(fixed.stdout, /repaired: unmounted/);
    assert.match(fixed.stdout, new RegExp(`repaired: removed /sys/fs/cgroup/pids${d.cgroupParent}/`));
    const after = await d.berth(['system', 'check']);
    // The corrupt blob was the image's layer or config: the image is now reported incomplete, not silently OK.
    assert.doesNotMatch(after.stdout, /mount|cgroup|does not match/);
  });
});
