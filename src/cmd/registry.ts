/**
 * berth-registry: the composition root of Berth's registry server (OCI distribution spec v1.1).
 *   berth-registry serve [--config config.yml] --addr 127.0.0.1:5000 --root DIR [--htpasswd FILE] [--realm R] [--read-only] [--tls-cert F --tls-key F [--tls-client-ca F]]
 *   berth-registry gc --root DIR [--dry-run] [--delete-untagged]
 * `berth registry serve|gc` runs the same (src/cmd/berth.ts calls `runRegistryCommand`).
 */
import { readFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { configureLogging, isLevel, rootLogger } from '../lib/index.ts';
import { FilesystemDriver, HtpasswdAuthenticator, garbageCollect, parseRegistryConfig, startRegistryServer } from '../registry/server/index.ts';

const USAGE = `Usage:	berth-registry COMMAND [OPTIONS]

Berth's registry server (OCI distribution spec v1.1)

Commands:
  serve   Serve the registry API
  gc      Delete blobs no manifest references (run with the server stopped or --read-only)

serve options:
      --config string      distribution's config.yml (version, log.level, storage.filesystem.rootdirectory,
                           storage.delete.enabled, storage.maintenance.readonly.enabled, http.addr, http.tls.*,
                           auth.htpasswd); flags override it
      --addr string        Address to listen on, HOST:PORT (default "127.0.0.1:5000")
      --root string        Storage root directory (required)
      --htpasswd string    htpasswd file for basic auth (bcrypt, {SHA} or plain entries)
      --realm string       Basic auth realm (default "berth-registry")
      --token-auth         Token authentication (as Docker Hub): bearer tokens from this server's /token
                           endpoint, which checks the --htpasswd users
      --token-service string  The token service name (default "berth-registry")
      --token-realm string    Token endpoint URL sent to clients (default: this server's /token)
      --read-only          Refuse every write with 405 UNSUPPORTED
      --delete-enabled     Allow DELETE of manifests and blobs (default true; false with --config unless
                           storage.delete.enabled is set, as distribution)
      --tls-cert string    TLS certificate (PEM); with --tls-key serves HTTPS
      --tls-key string     TLS private key (PEM)
      --tls-client-ca string  Require client certificates signed by this CA (PEM)
      --relative-urls      Answer Location headers as paths rather than absolute URLs
      --log-level string   debug, info, warn or error (default "info")

gc options:
      --root string        Storage root directory (required)
      --dry-run            Report what would be deleted, delete nothing
      --delete-untagged    Also delete manifests no tag reaches
  (uploads started more than 7 days ago are purged too)
`;

type Flags = Record<string, string | boolean>;
const BOOL = new Set(['token-auth', 'read-only', 'delete-enabled', 'dry-run', 'delete-untagged', 'relative-urls', 'help']);

function parseFlags(args: string[]): Flags {
  const out: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h') { out.help = true; continue; }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (BOOL.has(name)) { out[name] = eq > 0 ? a.slice(eq + 1) !== 'false' : true; continue; }
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`flag needs an argument: --${name}`);
    out[name] = value;
  }
  return out;
}

const str = (f: Flags, k: string): string | undefined => (typeof f[k] === 'string' ? (f[k] as string) : undefined);

/** A config file's settings as the flags they stand for (flags given on the command line win). */
async function configFlags(path: string): Promise<{ flags: Flags; clientCas: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`configuration file ${path}: ${(err as Error).message}`);
  }
  let s: ReturnType<typeof parseRegistryConfig>;
  try {
    s = parseRegistryConfig(text);
  } catch (err) {
    throw new Error(`configuration file ${path}: ${(err as Error).message}`);
  }
  const flags: Flags = { 'delete-enabled': s.deleteEnabled };
  const set = (k: string, v: string | boolean | undefined) => { if (v !== undefined) flags[k] = v; };
  set('root', s.root);
  set('addr', s.addr);
  set('log-level', s.logLevel);
  set('read-only', s.readOnly);
  set('relative-urls', s.relativeUrls);
  set('tls-cert', s.tlsCert);
  set('tls-key', s.tlsKey);
  set('htpasswd', s.htpasswd);
  set('realm', s.realm);
  return { flags, clientCas: s.tlsClientCas ?? [] };
}

/** Runs `serve` or `gc`; resolves with the exit code (serve resolves on SIGINT/SIGTERM). */
export async function runRegistryCommand(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 1;
  }
  let f: Flags;
  try {
    f = parseFlags(rest);
  } catch (err) {
    process.stderr.write(`berth-registry: ${(err as Error).message}\n`);
    return 125;
  }
  if (f.help) { process.stdout.write(USAGE); return 0; }
  let clientCas: string[] = [];
  const configPath = str(f, 'config');
  if (configPath) {
    try {
      const file = await configFlags(configPath);
      f = { ...file.flags, ...f };
      clientCas = file.clientCas;
    } catch (err) {
      process.stderr.write(`berth-registry: ${(err as Error).message}\n`);
      return 125;
    }
  }
  if (str(f, 'tls-client-ca')) clientCas = [str(f, 'tls-client-ca')!];
  const level = str(f, 'log-level') ?? 'info';
  if (isLevel(level)) configureLogging({ level });
  const root = str(f, 'root');
  if (!root) { process.stderr.write('berth-registry: --root is required\n'); return 125; }
  const absRoot = resolve(root);
  await mkdir(absRoot, { recursive: true });

  if (cmd === 'gc') {
    const r = await garbageCollect(new FilesystemDriver(absRoot), { dryRun: !!f['dry-run'], deleteUntagged: !!f['delete-untagged'] });
    for (const u of r.purgedUploads) process.stdout.write(`${f['dry-run'] ? 'would purge' : 'purged'} upload ${u.repository} ${u.id}\n`);
    for (const m of r.deletedManifests) process.stdout.write(`${f['dry-run'] ? 'would delete' : 'deleted'} manifest ${m.repository}@${m.digest}\n`);
    for (const d of r.deletedBlobs) process.stdout.write(`${f['dry-run'] ? 'would delete' : 'deleted'} blob ${d}\n`);
    process.stdout.write(`${r.marked} blobs marked, ${r.deletedBlobs.length} blobs ${f['dry-run'] ? 'eligible' : 'deleted'}, ${r.freedBytes} bytes\n`);
    return 0;
  }
  if (cmd !== 'serve') {
    process.stderr.write(`berth-registry: unknown command ${cmd}\n${USAGE}`);
    return 125;
  }
  const certPath = str(f, 'tls-cert');
  const keyPath = str(f, 'tls-key');
  if (!!certPath !== !!keyPath) { process.stderr.write('berth-registry: --tls-cert and --tls-key go together\n'); return 125; }
  if (clientCas.length && !certPath) { process.stderr.write('berth-registry: --tls-client-ca needs --tls-cert and --tls-key\n'); return 125; }
  let auth: HtpasswdAuthenticator | undefined;
  const htpasswd = str(f, 'htpasswd');
  if (htpasswd) {
    auth = new HtpasswdAuthenticator(resolve(htpasswd), { realm: str(f, 'realm') });
    await auth.load();
  }
  if (f['token-auth'] && !auth) { process.stderr.write('berth-registry: --token-auth needs --htpasswd\n'); return 125; }
  const users = auth;
  const server = await startRegistryServer({
    addr: str(f, 'addr') ?? '127.0.0.1:5000',
    root: absRoot,
    auth,
    token: f['token-auth'] && users
      ? { users: (authorization) => users.user(authorization), service: str(f, 'token-service'), realm: str(f, 'token-realm') }
      : undefined,
    readOnly: !!f['read-only'],
    deleteEnabled: f['delete-enabled'] !== undefined ? !!f['delete-enabled'] : !configPath,
    relativeUrls: !!f['relative-urls'],
    tls: certPath && keyPath
      ? { cert: await readFile(certPath), key: await readFile(keyPath), ...(clientCas.length ? { clientCa: Buffer.concat(await Promise.all(clientCas.map((p) => readFile(p)))) } : {}) }
      : undefined,
  });
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((done) => {
    const stop = (sig: string): void => {
      rootLogger.info('registry stopping', { signal: sig });
      done();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await server.close();
  return 0;
}

if (import.meta.main) {
  runRegistryCommand(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
    process.stderr.write(`berth-registry: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
}
