/**
 * Resolves a container's Config.User ("name", "uid", "name:group", "uid:gid", ...) to numeric ids from the
 * container's own /etc/passwd and /etc/group (read through the in-root resolver), with Docker's rules
 * (moby daemon getUIDGID): a numeric user missing from passwd gets gid 0; a named one must exist.
 */
import { readFile } from 'node:fs/promises';
import { invalidArgument, errnoCode } from '../lib/index.ts';
import { hostPathOf, resolveContainerPath, type ContainerView } from '../lib/root-path.ts';

export async function lookupContainerUser(view: ContainerView, user: string): Promise<{ uid: number; gid: number }> {
  const [userPart = '', groupPart = ''] = splitOnce(user, ':');
  let uid = 0;
  let gid = 0;
  if (userPart !== '') {
    const passwd = await readTable(view, '/etc/passwd');
    const id = numericId(userPart);
    const row = passwd.find((r) => (id === undefined ? r[0] === userPart : Number(r[2]) === id));
    if (!row) {
      if (id === undefined) throw invalidArgument(`failed to look up user "${userPart}" in container: no matching entries in passwd file`);
      uid = id;
    } else {
      uid = Number(row[2]);
      gid = Number(row[3]);
    }
  }
  if (groupPart !== '') {
    const id = numericId(groupPart);
    if (id !== undefined) gid = id;
    else {
      const row = (await readTable(view, '/etc/group')).find((r) => r[0] === groupPart);
      if (!row) throw invalidArgument(`failed to look up group "${groupPart}" in container: no matching entries in group file`);
      gid = Number(row[2]);
    }
  }
  return { uid, gid };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

function numericId(s: string): number | undefined {
  return /^\d+$/.test(s) && Number(s) <= 2 ** 31 - 1 ? Number(s) : undefined;
}

async function readTable(view: ContainerView, path: string): Promise<string[][]> {
  try {
    const host = hostPathOf(view, await resolveContainerPath(view, path, { followLast: true }));
    const text = await readFile(host, 'utf8');
    return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}
