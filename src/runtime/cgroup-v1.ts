/** Reads of a container's cgroup v1 files (OOM kills now; stats later). Paths follow cgroupsPath /berth/<id>. */
import { readFile } from 'node:fs/promises';

const ROOT = '/sys/fs/cgroup';

async function readKeyed(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** True when the kernel OOM-killed a process of this cgroup (memory.oom_control's oom_kill counter). */
export async function oomKilled(cgroupsPath: string): Promise<boolean> {
  const ctl = await readKeyed(`${ROOT}/memory${cgroupsPath}/memory.oom_control`);
  return (ctl.get('oom_kill') ?? 0) > 0;
}
