/**
 * The API over TCP with TLS and client-certificate verification, as dockerd's --tlsverify (issue 6).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, run, freePort } from './harness.ts';


async function openssl(dir: string, args: string[]): Promise<void> {
  const r = await run('openssl', args, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
}

describe('TLS on TCP', () => {
  let d: Daemon;
  let dir: string;
  let port: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-tls-'));
    // A CA, a server certificate for 127.0.0.1 and a client certificate, as Docker's "protect the daemon socket" guide.
    await openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=berth-test-ca']);
    await writeFile(join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
    await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage = clientAuth\n');
    for (const who of ['server', 'client']) {
      await openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=${who}`]);
      await openssl(dir, ['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${who}-cert.pem`, '-days', '1', '-extfile', `${who}.ext`]);
    }
    port = await freePort();
    d = await Daemon.start({
      args: ['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'server-cert.pem'), '--tlskey', join(dir, 'server-key.pem')],
    });
  });
  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a client with a certificate signed by the CA gets in; one without is refused', async () => {
    const env = { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_CONFIG: join(dir, 'cfg') };
    const tlsArgs = ['--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'client-cert.pem'), '--tlskey', join(dir, 'client-key.pem')];
    const ok = await run('docker', [...tlsArgs, 'version', '--format', '{{.Server.Platform.Name}}'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'Berth');
    const noCert = await run('docker', ['--tlsverify', '--tlscacert', join(dir, 'ca.pem'), 'version', '--format', '{{.Server.Platform.Name}}'], { env });
    assert.notEqual(noCert.code, 0);
    const plain = await run('docker', ['version', '--format', '{{.Server.Platform.Name}}'], { env });
    assert.notEqual(plain.code, 0);
  });
});
