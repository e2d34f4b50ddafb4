/**
 * `berth cp CONTAINER:SRC DEST` and `berth cp SRC CONTAINER:DEST` (`-` for a tar on stdin/stdout), with docker's
 * naming rules: into an existing directory the source keeps its name, otherwise it takes the destination's.
 * The daemon does the container side (GET/PUT/HEAD /containers/{id}/archive, confined to the container root);
 * the host side is packed and unpacked by GNU tar, which refuses absolute and `..` member names.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { CommandDefinition } from '../../command.ts';
import { boolFlag } from '../../flags/flag-spec.ts';

interface ContainerPath { container: string; path: string }

/** docker's splitCpArg: "name:path" unless the argument is a local path (absolute, or ./ or ../ first). */
function containerPath(arg: string): ContainerPath | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  const slash = arg.indexOf('/');
  if (slash >= 0 && slash < colon) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) || '/' };
}

function tar(args: string[], o: { input?: Readable; cwd?: string } = {}): { out: Readable; done: Promise<void> } {
  const child = spawn('tar', args, { cwd: o.cwd, stdio: [o.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b) => (err += b));
  if (o.input) void pipeline(o.input, child.stdin!).catch(() => undefined);
  const done = new Promise<void>((res, rej) => child.on('close', (code) => (code === 0 ? res() : rej(new Error(err.trim() || `tar exited ${code}`)))));
  return { out: child.stdout!, done };
}

/** GNU tar arguments that rename the archive's top entry `from` (and everything under it) to `to`. */
function renameTop(from: string, to: string): string[] {
  return from === to ? [] : [`--transform=s|^${from.replace(/[|\\.*[\]^$]/g, '\\$&')}|${to}|`];
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);

export const cpCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  description: 'Copy files/folders between a container and the local filesystem',
  flags: [
    boolFlag('archive', 'a', 'Archive mode (copy all uid/gid information)'),
    boolFlag('follow-link', 'L', 'Always follow symbol link in SRC_PATH'),
    boolFlag('quiet', 'q', 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached'),
  ],
  args: { min: 2, max: 2 },
  async run(ctx, flags) {
    const [srcArg, destArg] = flags.args;
    const src = containerPath(srcArg);
    const dest = containerPath(destArg);
    if (src && dest) throw new Error('copying between containers is not supported');
    if (!src && !dest) throw new Error('must specify at least one container source');
    const client = ctx.client();
    if (src) {
      const res = await client.request('GET', `/containers/${encodeURIComponent(src.container)}/archive`, { query: { path: src.path } });
      if (destArg === '-') {
        await pipeline(res, ctx.stdout);
        return 0;
      }
      const target = resolve(destArg);
      const into = (await isDir(target)) || destArg.endsWith('/');
      const name = basename(src.path) || '.';
      // The tar's top entry is the source's name: rename it to the destination's unless copying into a directory.
      const rename = into ? [] : renameTop(name, basename(target));
      const { done } = tar(['-x', '-f', '-', '--no-same-owner', ...(flags.bool('archive') ? ['--same-owner'] : []), ...rename], { input: res, cwd: into ? target : dirname(target) });
      await done;
      return 0;
    }
    const d = dest!;
    if (srcArg === '-') {
      await client.call('PUT', `/containers/${encodeURIComponent(d.container)}/archive`, { query: { path: d.path }, body: ctx.stdin as Readable });
      return 0;
    }
    const source = resolve(srcArg);
    await stat(source).catch(() => { throw new Error(`lstat ${source}: no such file or directory`); });
    const head = await client.request('HEAD', `/containers/${encodeURIComponent(d.container)}/archive`, { query: { path: d.path } }).catch(() => undefined);
    const stat64 = head?.headers['x-docker-container-path-stat'];
    const destIsDir = typeof stat64 === 'string' && (JSON.parse(Buffer.from(stat64, 'base64').toString()) as { mode: number }).mode & 0x80000000;
    const into = !!destIsDir || d.path.endsWith('/');
    const name = basename(source);
    const newName = into ? name : basename(d.path);
    const transform = renameTop(name, newName);
    const ownership = flags.bool('archive') ? [] : ['--owner=0', '--group=0', '--numeric-owner'];
    const { out, done } = tar(['-c', '-f', '-', ...(flags.bool('follow-link') ? ['-h'] : []), ...ownership, ...transform, name], { cwd: dirname(source) });
    await Promise.all([client.call('PUT', `/containers/${encodeURIComponent(d.container)}/archive`, { query: { path: into ? d.path : dirname(d.path) || '/' }, body: out }), done]);
    return 0;
  },
};
