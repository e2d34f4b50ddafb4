import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tlsFetch } from './tls-fetch.ts';

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += c;
  return s;
}

test('tlsFetch: trusts the given CA, streams bodies, follows same-origin redirects, leaves credentials behind on others', { skip: existsSync('/usr/bin/openssl') ? false : 'no openssl' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-tlsfetch-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'),
      '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const cert = await readFile(join(dir, 'c.pem'));
    // Blob storage elsewhere: plain HTTP, records the Authorization it gets.
    let storageAuth: string | undefined = 'unset';
    const storage = createHttpServer((req, res) => { storageAuth = req.headers.authorization; res.end('blob-bytes'); }).listen(0, '127.0.0.1');
    await once(storage, 'listening');
    const storagePort = (storage.address() as AddressInfo).port;
    const registry = createHttpsServer({ cert, key: await readFile(join(dir, 'k.pem')) }, async (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/moved') return res.writeHead(307, { Location: '/v2/' }).end();
      if (req.url === '/blob') return res.writeHead(307, { Location: `http://127.0.0.1:${storagePort}/data` }).end();
      if (req.method === 'PATCH') return res.writeHead(202, { 'X-Got': await body(req) }).end();
      res.writeHead(200, { 'X-Auth': req.headers.authorization ?? '' }).end('ok');
    }).listen(0, '127.0.0.1');
    await once(registry, 'listening');
    const base = `https://127.0.0.1:${(registry.address() as AddressInfo).port}`;
    try {
      // Without the CA the handshake fails as fetch's do.
      await assert.rejects(tlsFetch({ ca: [] })(`${base}/v2/`), (err: Error & { cause?: { code?: string } }) => err instanceof TypeError && /SELF_SIGNED|UNABLE_TO_VERIFY/.test(err.cause?.code ?? ''));
      const f = tlsFetch({ ca: [cert] });
      const moved = await f(`${base}/moved`, { headers: { Authorization: 'Bearer t' } });
      assert.equal(moved.status, 200);
      assert.equal(moved.headers.get('x-auth'), 'Bearer t');
      assert.equal(await moved.text(), 'ok');
      const manual = await f(`${base}/moved`, { redirect: 'manual' });
      assert.equal(manual.status, 307);
      const head = await f(`${base}/v2/`, { method: 'HEAD' });
      assert.equal(head.body, null);
      const blob = await f(`${base}/blob`, { headers: { Authorization: 'Bearer t' } });
      assert.equal(await blob.text(), 'blob-bytes');
      assert.equal(storageAuth, undefined, 'no Authorization for another origin');
      const streamed = await f(`${base}/upload`, { method: 'PATCH', body: (async function* () { yield Buffer.from('a'); yield Buffer.from('bc'); })(), duplex: 'half' } as RequestInit);
      assert.equal(streamed.status, 202);
      assert.equal(streamed.headers.get('x-got'), 'abc');
    } finally {
      registry.closeAllConnections();
      registry.close();
      storage.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
