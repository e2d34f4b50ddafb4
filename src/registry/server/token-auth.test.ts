import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenAuthenticator, parseScopes, requiredAccess, scopeString, signToken } from './token-auth.ts';

const settings = { key: Buffer.from('k'.repeat(32)), service: 'svc', issuer: 'iss', realm: 'http://r/token' };
const now = () => Math.floor(Date.now() / 1000);
const make = (over: Record<string, unknown> = {}) => signToken({
  iss: 'iss', sub: 'alice', aud: 'svc', exp: now() + 60, nbf: now() - 1, iat: now(), jti: 'j',
  access: [{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }], ...over,
} as Parameters<typeof signToken>[0], settings.key);

test('scopes parse, including names with colons in ports and several scopes per value', () => {
  assert.deepEqual(parseScopes(['repository:a/b:pull,push repository:c:pull', 'registry:catalog:*', 'bogus']), [
    { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
    { type: 'repository', name: 'c', actions: ['pull'] },
    { type: 'registry', name: 'catalog', actions: ['*'] },
  ]);
  assert.equal(scopeString([{ type: 'repository', name: 'x', actions: ['pull'] }]), 'repository:x:pull');
});

test('what requests need: pull to read, pull+push to write, pull on the mount source', () => {
  const url = new URL('http://r/v2/a/blobs/uploads/?mount=sha256:00&from=c');
  assert.deepEqual(requiredAccess({ kind: 'uploads', name: 'a' }, 'POST', url), [
    { type: 'repository', name: 'a', actions: ['pull', 'push'] },
    { type: 'repository', name: 'c', actions: ['pull'] },
  ]);
  assert.deepEqual(requiredAccess({ kind: 'blob', name: 'a', digest: 'sha256:00' }, 'HEAD', url), [{ type: 'repository', name: 'a', actions: ['pull'] }]);
  assert.deepEqual(requiredAccess({ kind: 'base' }, 'GET', url), []);
});

test('tokens: the grant, the audience, the issuer and the expiry are checked', async () => {
  const auth = new TokenAuthenticator(settings);
  const pull = [{ type: 'repository' as const, name: 'a/b', actions: ['pull'] }];
  assert.equal(await auth.authenticate(`Bearer ${make()}`, pull), true);
  assert.equal(await auth.authenticate(`Bearer ${make()}`, [{ type: 'repository', name: 'other', actions: ['pull'] }]), false);
  assert.equal(await auth.authenticate(`Bearer ${make({ aud: 'else' })}`, pull), false);
  assert.equal(await auth.authenticate(`Bearer ${make({ iss: 'else' })}`, pull), false);
  assert.equal(await auth.authenticate(`Bearer ${make({ exp: now() - 1 })}`, pull), false);
  assert.equal(await auth.authenticate(undefined, []), false);
  assert.equal(auth.challenge(pull), 'Bearer realm="http://r/token",service="svc",scope="repository:a/b:pull"');
});
