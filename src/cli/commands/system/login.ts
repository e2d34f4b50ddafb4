/**
 * `berth login` / the credential store shared with logout and push: a Docker-format config.json in
 * $BERTH_CONFIG, $DOCKER_CONFIG or ~/.docker (`{"auths":{"<registry>":{"auth":"base64(user:password)"}}}`),
 * docker.io kept under `https://index.docker.io/v1/` as the docker CLI does. With a credential helper configured
 * (`credsStore`, `credHelpers`) the secret goes to the helper and config.json keeps an empty entry. The password
 * goes to the daemon only inside the POST /auth body and is never printed.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CliContext, CommandDefinition } from '../../command.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { helperFor, helperGet, helperStore } from './credential-helpers.ts';

/** Username a helper stores an identity token under (docker cli/config/credentials). */
const TOKEN_USERNAME = '<token>';

export const INDEX_SERVER = 'https://index.docker.io/v1/';

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  /** Credential helpers (credential-helpers.ts): one for every registry, and per-registry overrides. */
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

export function configDir(env: NodeJS.ProcessEnv): string {
  return env.BERTH_CONFIG || env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

export async function readConfig(env: NodeJS.ProcessEnv): Promise<ConfigFile> {
  try {
    return JSON.parse(await readFile(join(configDir(env), 'config.json'), 'utf8')) as ConfigFile;
  } catch {
    return {};
  }
}

export async function writeConfig(env: NodeJS.ProcessEnv, c: ConfigFile): Promise<void> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.config.json.${process.pid}`);
  await writeFile(tmp, JSON.stringify(c, null, '\t') + '\n', { mode: 0o600 });
  await rename(tmp, join(dir, 'config.json'));
}

/** The config key of a registry: docker.io (or empty) is the index server URL; others are host[:port]. */
export function registryKey(server: string | undefined): string {
  const s = (server ?? '').trim();
  if (!s || /^(https?:\/\/)?(index\.|registry-1\.)?docker\.io(\/.*)?$/.test(s)) return INDEX_SERVER;
  return s.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

/** X-Registry-Auth for a registry domain from the config file or its credential helper (`e30=` when none). */
export async function registryAuthHeader(env: NodeJS.ProcessEnv, domain: string): Promise<string> {
  const c = await readConfig(env);
  const key = registryKey(domain);
  const helper = helperFor(c, key);
  let auth: Record<string, string> | undefined;
  if (helper) {
    const h = await helperGet(helper, key, env);
    if (h) auth = h.Username === TOKEN_USERNAME ? { identitytoken: h.Secret } : { username: h.Username, password: h.Secret };
  } else {
    const e = c.auths?.[key];
    if (e?.auth) {
      const [username, ...rest] = Buffer.from(e.auth, 'base64').toString().split(':');
      auth = { username, password: rest.join(':'), ...(e.identitytoken ? { identitytoken: e.identitytoken } : {}) };
    }
  }
  if (!auth) return 'e30=';
  return Buffer.from(JSON.stringify({ ...auth, serveraddress: key })).toString('base64url');
}

async function readLine(ctx: CliContext): Promise<string> {
  let data = '';
  for await (const c of ctx.stdin) {
    data += (c as Buffer).toString();
    if (data.includes('\n')) break;
  }
  return data.split('\n')[0].replace(/\r$/, '');
}

export const loginCommand: CommandDefinition = {
  usage: '[OPTIONS] [SERVER]',
  description: 'Authenticate to a registry',
  flags: [
    stringFlag('username', 'u', 'Username'),
    stringFlag('password', 'p', 'Password'),
    boolFlag('password-stdin', undefined, 'Take the password from stdin'),
  ],
  args: { min: 0, max: 1 },
  async run(ctx, flags) {
    const server = registryKey(flags.args[0]);
    let username = flags.string('username');
    let password = flags.string('password');
    if (password) ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (flags.bool('password-stdin')) {
      if (password) throw new Error('--password and --password-stdin are mutually exclusive');
      if (!username) throw new Error('Must provide --username with --password-stdin');
      password = await readLine(ctx);
    }
    if (!username) {
      ctx.stdout.write('Username: ');
      username = await readLine(ctx);
    }
    if (!password) {
      ctx.stdout.write('Password: ');
      password = await readLine(ctx);
      ctx.stdout.write('\n');
    }
    const res = await ctx.client().json<{ Status: string; IdentityToken?: string }>('POST', '/auth', {
      body: Buffer.from(JSON.stringify({ username, password, serveraddress: server })),
      headers: { 'Content-Type': 'application/json' },
    });
    const c = await readConfig(ctx.env);
    const helper = helperFor(c, server);
    if (helper) {
      const creds = res.IdentityToken ? { Username: TOKEN_USERNAME, Secret: res.IdentityToken } : { Username: username, Secret: password };
      try {
        await helperStore(helper, { ServerURL: server, ...creds }, ctx.env);
      } catch (err) {
        throw new Error(`Error saving credentials: ${(err as Error).message}`);
      }
      c.auths = { ...c.auths, [server]: {} };
    } else {
      c.auths = { ...c.auths, [server]: res.IdentityToken ? { auth: Buffer.from(`${username}:`).toString('base64'), identitytoken: res.IdentityToken } : { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
    }
    await writeConfig(ctx.env, c);
    ctx.stdout.write(`${res.Status || 'Login Succeeded'}\n`);
    return 0;
  },
};
