/** Docker's --tmpfs option merging (moby mount.MergeTmpfsOptions): defaults, then the user's, last one wins. */
const DEFAULTS = ['noexec', 'nosuid', 'nodev'];
/** Flag pairs where one cancels the other. */
const OPPOSITES: Record<string, string> = {
  exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev', ro: 'rw', rw: 'ro',
  atime: 'noatime', noatime: 'atime', diratime: 'nodiratime', nodiratime: 'diratime',
};

export function tmpfsOptions(user: string): string[] {
  const out: string[] = [...DEFAULTS];
  for (const raw of user.split(',')) {
    const opt = raw.trim();
    if (!opt) continue;
    const eq = opt.indexOf('=');
    if (eq > 0) {
      const key = opt.slice(0, eq + 1);
      const i = out.findIndex((o) => o.startsWith(key));
      if (i >= 0) out.splice(i, 1);
    } else {
      const opposite = OPPOSITES[opt];
      for (const drop of [opt, opposite]) {
        const i = out.indexOf(drop);
        if (i >= 0) out.splice(i, 1);
      }
    }
    out.push(opt);
  }
  if (!out.includes('rprivate')) out.push('rprivate');
  return out;
}
