/**
 * Docker's --user resolution against the image's /etc/passwd and /etc/group (runc libcontainer/user.GetExecUser):
 * '' -> root; 'name' | 'uid' [':' 'group' | 'gid']. Supplementary groups come from /etc/group only when the
 * group is implicit and the user was found by name.
 */
import { readFile } from 'node:fs/promises';
import { errnoCode, invalidArgument } from '../lib/errdefs.ts';
import { resolveInRoot } from '../lib/root-path.ts';

export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2 ** 31 - 1;

async function readRootfsFile(rootfs: string, path: string): Promise<string | undefined> {
  try {
    return await readFile(await resolveInRoot(rootfs, path, { followLast: true }), 'utf8');
  } catch (err) {
    if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errnoCode(err) ?? '')) return undefined;
    throw err;
  }
}

function rows(text: string | undefined): string[][] {
  if (!text) return [];
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return rows(text).filter((r) => r.length >= 4).map((r) => ({ name: r[0], uid: Number(r[2]), gid: Number(r[3]), home: r[5] ?? '' }));
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return rows(text).filter((r) => r.length >= 3).map((r) => ({ name: r[0], gid: Number(r[2]), members: (r[3] ?? '').split(',').filter(Boolean) }));
}

const isNumeric = (s: string) => /^\d+$/.test(s);

function parseId(s: string, what: 'uid' | 'gid'): number {
  const n = Number(s);
  if (n > MAX_ID) throw invalidArgument(`${what} ${s} is out of range`);
  return n;
}

export async function resolveUser(rootfs: string, spec: string): Promise<ResolvedUser> {
  const [userArg, groupArg = ''] = spec.split(':', 2) as [string, string?];
  const passwd = parsePasswd(await readRootfsFile(rootfs, '/etc/passwd'));
  const user = userArg === '' ? '0' : userArg;

  // A name match wins over a uid match.
  const entry = passwd.find((p) => p.name === user) ?? (isNumeric(user) ? passwd.find((p) => p.uid === Number(user)) : undefined);
  if (!entry && !isNumeric(user)) throw invalidArgument(`unable to find user ${user}: no matching entries in passwd file`);
  const out: ResolvedUser = {
    uid: entry ? entry.uid : parseId(user, 'uid'),
    gid: entry ? entry.gid : 0,
    additionalGids: [],
    home: entry?.home || '/',
  };
  const matchedName = entry?.name;

  if (groupArg !== '' || matchedName) {
    const groups = parseGroup(await readRootfsFile(rootfs, '/etc/group'));
    if (groupArg !== '') {
      const g = groups.find((x) => x.name === groupArg) ?? (isNumeric(groupArg) ? groups.find((x) => x.gid === Number(groupArg)) : undefined);
      if (g) out.gid = g.gid;
      else if (isNumeric(groupArg)) out.gid = parseId(groupArg, 'gid');
      else throw invalidArgument(`unable to find group ${groupArg}: no matching entries in group file`);
    } else {
      out.additionalGids = [...new Set(groups.filter((g) => g.members.includes(matchedName!)).map((g) => g.gid))];
    }
  }
  return out;
}
