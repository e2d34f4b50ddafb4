/**
 * Load (issue 6): many running containers while concurrent clients loop create/start/stop/rm; no error, no
 * leak, and `docker ps` stays quick. The full size (200 running, 20 clients, 60 s) is
 * the default; BERTH_LOAD=quick runs a smaller one for a fast local loop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { Daemon } from './harness.ts';

const FULL = process.env.BERTH_LOAD !== 'quick';
const RUNNING = FULL ? 200 : 40;
const CLIENTS = FULL ? 20 : 6;
const SECONDS = FULL ? 60 : 12;

describe('load', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
  });

  test(`${RUNNING} running containers, ${CLIENTS} clients looping create/start/stop/rm for ${SECONDS} s`, async () => {
    for (let i = 0; i < RUNNING; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, RUNNING - i) }, () => d.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600'])));
    }
    const deadline = Date.now() + SECONDS * 1000;
    const errors: string[] = [];
    let cycles = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const name = `load-${c}-${n}`;
        for (const args of [['create', '--name', name, 'busybox', 'sleep', '60'], ['start', name], ['stop', '-t', '0', name], ['rm', name]]) {
          const r = await d.docker(args);
          if (r.code !== 0) errors.push(`${args.join(' ')}: ${r.stderr.trim()}`);
        }
        cycles++;
      }
    }));
    assert.deepEqual(errors, []);
    assert.ok(cycles > CLIENTS, `only ${cycles} cycles`);
    const t = performance.now();
    const running = (await d.ok(['ps', '-q'])).split('\n').filter(Boolean);
    const psMs = performance.now() - t;
    assert.equal(running.length, RUNNING);
    assert.equal((await d.ok(['ps', '-aq'])).split('\n').filter(Boolean).length, RUNNING, 'every looped container was removed');
    assert.ok(psMs < 1000, `docker ps took ${psMs} ms`);
    // No leak: one rootfs mount and one bundle per running container, nothing else.
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').filter((l) => l.includes(`${d.dataRoot}/containers/`));
    assert.equal(mounts.length, RUNNING);
    assert.equal((await readdir(`${d.dataRoot}/b`)).length, RUNNING);
  });
});
