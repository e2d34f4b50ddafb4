/**
 * Clients that go away at any moment of a blob GET (before the blob file is open, or mid-transfer) must never
 * crash Berth's registry server: an abort used to surface as an uncaught AbortError when it hit between opening
 * the blob and piping it (found by the torture test, which kills berthd mid-pull against an in-process registry).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistryServer, type RunningRegistry } from '../../src/registry/server/index.ts';
import type { Logger } from '../../src/lib/index.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } } as unknown as Logger;

describe('registry server: clients that disconnect', () => {
  let root: string;
  let srv: RunningRegistry;
  let digest: string;
  const uncaught: Error[] = [];
  const onUncaught = (e: Error) => uncaught.push(e);

  before(async () => {
    process.on('uncaughtException', onUncaught);
    root = await mkdtemp(join(tmpdir(), 'berth-registry-abort-'));
    srv = await startRegistryServer({ log: quiet, addr: '127.0.0.1:0', root });
    const blob = randomBytes(4 << 20);
    digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const up = await fetch(`${srv.url}/v2/x/blobs/uploads/`, { method: 'POST' });
    const loc = new URL(up.headers.get('location')!, srv.url);
    loc.searchParams.set('digest', digest);
    assert.equal((await fetch(loc, { method: 'PUT', body: blob })).status, 201);
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    await srv?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('aborted blob GETs, early and mid-transfer, leave the server up and nothing uncaught', async () => {
    for (let i = 0; i < 300; i++) {
      await new Promise<void>((resolve) => {
        const req = request(`${srv.url}/v2/x/blobs/${digest}`, (res) => {
          res.on('error', () => {});
          res.once('data', () => { req.destroy(); resolve(); });
        });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => { req.destroy(); resolve(); }, i % 4);
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(uncaught.map((e) => `${e.name}: ${e.message}`), []);
    const whole = await fetch(`${srv.url}/v2/x/blobs/${digest}`);
    assert.equal(whole.status, 200);
    assert.equal((await whole.arrayBuffer()).byteLength, 4 << 20);
  });
});
