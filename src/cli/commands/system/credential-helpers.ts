/**
 * Credential helpers (docker-credential-helpers protocol), as the docker CLI uses them: config.json's
 * `credHelpers` names a helper per registry and `credsStore` one for all others; `docker-credential-<name>`
 * is run with one action argument — `store` reads {"ServerURL","Username","Secret"} on stdin, `get` reads the
 * server URL and prints that JSON, `erase` reads the server URL. An identity token travels as Username
 * "<token>" with the token as Secret. Secrets pass only through the helper's stdin/stdout, never argv or logs.
 */
import { spawn } from 'node:child_process';

export interface HelperCredentials { ServerURL: string; Username: string; Secret: string }

/** The helper's text when it has nothing for a server (credentials.NewErrCredentialsNotFound). */
const NOT_FOUND = 'credentials not found in native keychain';

export interface HelperConfig { credsStore?: string; credHelpers?: Record<string, string> }

/** The helper for a registry key, or undefined when credentials live in config.json itself. */
export function helperFor(c: HelperConfig, serverKey: string): string | undefined {
  return c.credHelpers?.[serverKey] || c.credsStore || undefined;
}

function runHelper(helper: string, action: 'store' | 'get' | 'erase', input: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(`docker-credential-${helper}`, [action], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b));
    p.stderr.on('data', (b: Buffer) => (out += b));
    p.on('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(err.code === 'ENOENT' ? `exec: "docker-credential-${helper}": executable file not found in $PATH` : err.message));
    });
    p.on('close', (code) => resolve({ code: code ?? 1, out: out.trim() }));
    p.stdin.on('error', () => { /* a helper that exits before reading: its exit status says why */ });
    p.stdin.end(input);
  });
}

export async function helperStore(helper: string, creds: HelperCredentials, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runHelper(helper, 'store', JSON.stringify(creds), env).catch((err: Error) => ({ code: -1, out: '', err }));
  if ('err' in r) throw new Error(`error storing credentials - err: ${r.err.message}, out: \`\``);
  if (r.code !== 0) throw new Error(`error storing credentials - err: exit status ${r.code}, out: \`${r.out}\``);
}

/** The stored credentials, or undefined when the helper has none for the server. */
export async function helperGet(helper: string, serverURL: string, env: NodeJS.ProcessEnv): Promise<HelperCredentials | undefined> {
  const r = await runHelper(helper, 'get', serverURL, env).catch((err: Error) => ({ code: -1, out: '', err }));
  if ('err' in r) throw new Error(`error getting credentials - err: ${r.err.message}, out: \`\``);
  if (r.code !== 0) {
    if (r.out.includes(NOT_FOUND)) return undefined;
    throw new Error(`error getting credentials - err: exit status ${r.code}, out: \`${r.out}\``);
  }
  const c = JSON.parse(r.out) as Partial<HelperCredentials>;
  if (!c.Username && !c.Secret) return undefined;
  return { ServerURL: c.ServerURL ?? serverURL, Username: c.Username ?? '', Secret: c.Secret ?? '' };
}

export async function helperErase(helper: string, serverURL: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runHelper(helper, 'erase', serverURL, env).catch((err: Error) => ({ code: -1, out: '', err }));
  if ('err' in r) throw new Error(`error erasing credentials - err: ${r.err.message}, out: \`\``);
  if (r.code !== 0 && !r.out.includes(NOT_FOUND)) throw new Error(`error erasing credentials - err: exit status ${r.code}, out: \`${r.out}\``);
}
