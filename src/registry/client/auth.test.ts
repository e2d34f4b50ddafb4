import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { credentials, parseChallenges } from './auth.ts';
import { RegistryClient } from './registry-client.ts';

test('parseChallenges: bearer with quoted params, basic', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="test"'), [{ scheme: 'basic', params: { realm: 'test' } }]);
  assert.deepEqual(parseChallenges(null), []);
});

test('credentials: username/password or the auth field', () => {
  assert.deepEqual(credentials({ auth: Buffer.from('u:p:q').toString('base64') }), { username: 'u', password: 'p:q' });
  assert.deepEqual(credentials({ username: 'a', password: 'b' }), { username: 'a', password: 'b' });
  assert.equal(credentials({}), undefined);
});

test('bearer token flow: 401 challenge, token with basic credentials, retried request', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      seen.push(`token ${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${req.headers.authorization}`);
      res.setHeader('Content-Type', 'application/json');
      return res.end(JSON.stringify({ token: 'T0K', expires_in: 300 }));
    }
    if (req.headers.authorization !== 'Bearer T0K') {
      const { port } = server.address() as { port: number };
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="reg"` });
      return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
    res.end('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as { port: number };
    const c = new RegistryClient({ url: `http://127.0.0.1:${port}` }, { auth: { username: 'u', password: 'p' } });
    const m = await c.getManifest('team/app', 'v1');
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(seen, [`token reg repository:team/app:pull Basic ${Buffer.from('u:p').toString('base64')}`]);
    await c.getManifest('team/app', 'v1');
    assert.equal(seen.length, 1, 'token cached per scope');
  } finally {
    server.close();
  }
});
