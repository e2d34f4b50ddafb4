/**
 * Per-registry TLS from a certs.d directory, as dockerd reads /etc/docker/certs.d/<host[:port]>/ (moby
 * registry.ReadCertsDirectory): every `*.crt` is an extra CA trusted besides the system roots, every `*.cert`
 * is a client certificate presented with the `*.key` of the same name (a `.cert` without its `.key`, or the
 * reverse, is an error, as in Docker). Read on each use, so files dropped in take effect without a restart.
 *
 * Berth's one departure: a host with a certs.d directory is reached over verified HTTPS even when it is a
 * loopback or insecure-registries host (which otherwise gets plain HTTP): configuring certificates for a registry
 * says it speaks TLS.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../../lib/errdefs.ts';

export interface RegistryTls { ca: Buffer[]; cert?: Buffer; key?: Buffer }

export const DEFAULT_CERTS_DIR = '/etc/docker/certs.d';

/** The TLS material for `host` (host[:port]), or undefined when certs.d has no directory for it. */
export function readCertsDir(certsDir: string | undefined, host: string): RegistryTls | undefined {
  if (!certsDir) return undefined;
  // Docker names the directory host:port; a colon-less name (as used on Windows) is not looked for.
  const dir = join(certsDir, host);
  if (host.includes('/') || host.startsWith('.') || !existsSync(dir)) return undefined;
  const files = readdirSync(dir).sort();
  const out: RegistryTls = { ca: [] };
  for (const f of files) {
    if (f.endsWith('.crt')) out.ca.push(readFileSync(join(dir, f)));
    else if (f.endsWith('.cert')) {
      const key = f.slice(0, -'.cert'.length) + '.key';
      if (!files.includes(key)) throw invalidArgument(`missing key ${key} for client certificate ${f}. CA certificates must use the extension .crt`);
      out.cert = readFileSync(join(dir, f));
      out.key = readFileSync(join(dir, key));
    } else if (f.endsWith('.key')) {
      const cert = f.slice(0, -'.key'.length) + '.cert';
      if (!files.includes(cert)) throw invalidArgument(`missing client certificate ${cert} for key ${f}`);
    }
  }
  return out;
}
