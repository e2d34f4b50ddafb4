/**
 * `berth system check`: verifies the store and the kernel against the container records and, with `repair`,
 * fixes what is safe to fix: corrupt blobs, mounts / netns / cgroups left by containers that are not running.
 */
import { readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostCgroups, isProcessAlive } from '../../runtime/index.ts';
import type { ImageService } from '../../image/index.ts';
import type { ContainerStore } from '../containers/record.ts';
import type { NetworkService } from '../networks/service.ts';
import { unmountLeftover } from './unmount.ts';

export interface CheckReport { problems: string[]; repaired: string[] }

export interface CheckDeps {
  store: ContainerStore;
  images: ImageService;
  networks?: NetworkService;
  dataRoot: string;
  execRoot: string;
  /** This daemon's cgroup parent (e.g. /berth): only its own containers' cgroups are looked at. */
  cgroupParent: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export async function systemCheck(d: CheckDeps, o: { repair: boolean }): Promise<CheckReport> {
  const report = await d.images.verify({ repair: o.repair });
  const byId = new Map(d.store.all().map((c) => [c.id, c]));
  const running = (id: string) => {
    const c = byId.get(id);
    return !!c && (c.state.Status === 'running' || c.state.Status === 'paused');
  };

  for (const c of byId.values()) {
    if (running(c.id) && c.state.conmonPid && !isProcessAlive(c.state.conmonPid)) {
      report.problems.push(`container ${c.id}: recorded as running but its monitor (pid ${c.state.conmonPid}) is gone`);
    }
  }

  // Container root filesystems mounted for containers that do not run.
  const mountPrefix = `${join(d.dataRoot, 'containers')}/`;
  for (const line of (await readFile('/proc/self/mounts', 'utf8')).split('\n')) {
    const target = line.split(' ')[1] ?? '';
    const m = target.startsWith(mountPrefix) ? /^([0-9a-f]{64})\/rootfs$/.exec(target.slice(mountPrefix.length)) : null;
    if (!m || running(m[1])) continue;
    report.problems.push(`mount ${target}: container ${m[1]} is not running`);
    if (o.repair && (await unmountLeftover(target))) report.repaired.push(`unmounted ${target}`);
  }

  // Network namespaces of containers that do not run.
  for (const id of await readdir(join(d.execRoot, 'netns')).catch(() => [] as string[])) {
    if (!HEX64.test(id) || running(id)) continue;
    report.problems.push(`netns ${id}: container is not running`);
    if (o.repair && d.networks) {
      await d.networks.releaseOrphaned(id);
      report.repaired.push(`released network namespace, addresses and ports of ${id}`);
    }
  }

  // cgroups of containers that do not run (the runtime's delete removes them; a crash can leave them).
  for (const { dir, name: id } of await hostCgroups().children(d.cgroupParent)) {
    if (!HEX64.test(id) || running(id)) continue;
    report.problems.push(`cgroup ${dir}: container is not running`);
    if (o.repair && (await rmdir(dir).then(() => true, () => false))) report.repaired.push(`removed ${dir}`);
  }
  return report;
}
