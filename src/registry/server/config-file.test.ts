import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseRegistryConfig, RegistryConfigError } from './config-file.ts';

const FULL = `
version: 0.1
log:
  level: warning
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: /srv/registry
  delete:
    enabled: true
  maintenance:
    readonly:
      enabled: true
    uploadpurging:
      enabled: false
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:5001
  secret: s3cret
  relativeurls: true
  tls:
    certificate: /c/cert.pem
    key: /c/key.pem
    clientcas: [/c/ca1.pem, /c/ca2.pem]
auth:
  htpasswd:
    realm: basic-realm
    path: /c/htpasswd
health:
  storagedriver:
    enabled: true
`;

test('config file: every supported key maps onto a setting', () => {
  assert.deepEqual(parseRegistryConfig(FULL), {
    deleteEnabled: true, logLevel: 'warn', root: '/srv/registry', readOnly: true, addr: '127.0.0.1:5001', relativeUrls: true,
    tlsCert: '/c/cert.pem', tlsKey: '/c/key.pem', tlsClientCas: ['/c/ca1.pem', '/c/ca2.pem'], realm: 'basic-realm', htpasswd: '/c/htpasswd',
  });
});

test('config file: deletes are off unless enabled (distribution default); version may be a string', () => {
  assert.deepEqual(parseRegistryConfig('version: "0.1"\nstorage:\n  filesystem:\n    rootdirectory: /r\n'), { deleteEnabled: false, root: '/r' });
});

test("config file: Debian's stock config.yml parses", () => {
  let text: string;
  try {
    text = readFileSync('/etc/docker/registry/config.yml', 'utf8');
  } catch {
    text = 'version: 0.1\nlog:\n  fields:\n    service: registry\nstorage:\n  cache:\n    blobdescriptor: inmemory\n  filesystem:\n    rootdirectory: /var/lib/docker-registry\nhttp:\n  addr: :5000\n  headers:\n    X-Content-Type-Options: [nosniff]\nhealth:\n  storagedriver:\n    enabled: true\n';
  }
  const s = parseRegistryConfig(text);
  assert.equal(s.root, '/var/lib/docker-registry');
  assert.equal(s.addr, ':5000');
});

test('config file: unknown, unsupported and ill-typed keys are errors naming the key', () => {
  const bad: [string, RegExp][] = [
    ['version: 0.1\nhttp:\n  adr: :5000\n', /^http\.adr: unknown configuration key$/],
    ['version: 0.1\nstorage:\n  s3:\n    bucket: b\n', /^storage\.s3: storage driver s3 is not supported/],
    ['version: 0.1\nauth:\n  token:\n    realm: x\n', /^auth\.token: an external token server is not supported/],
    ['version: 0.1\nhttp:\n  addr: 5000\n', /^http\.addr: want a string, got 5000$/],
    ['version: 0.1\nstorage:\n  delete:\n    enabled: "yes"\n', /^storage\.delete\.enabled: want true or false, got "yes"$/],
    ['version: 0.1\nlog:\n  level: loud\n', /^log\.level: unknown level "loud"/],
    ['version: 0.2\n', /^version: unsupported configuration version/],
    ['log:\n  level: info\n', /^version: missing/],
    ['version: 0.1\nstorage: [1, 2]\n', /^storage: want a mapping/],
    ['version: 0.1\nhttp:\n  tls:\n    certificate: /c\n', /^http\.tls: certificate and key go together$/],
    ['version: 0.1\nauth:\n  htpasswd:\n    path: /p\n', /^auth\.htpasswd: realm and path go together$/],
    ['version: 0.1\nhttp: {addr: [\n', /^invalid YAML: /],
    ['- 1\n', /^want a YAML mapping/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseRegistryConfig(text), (err: unknown) => err instanceof RegistryConfigError && re.test(err.message), text);
  }
});
