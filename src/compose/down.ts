/** `down`: stop and remove the project's containers, then its networks, and with -v its volumes, with --rmi its images. */
import type { ComposeContext } from './context.ts';
import type { Project } from './model.ts';
import { L } from './labels.ts';
import { containerName, projectContainers, projectNetworks, projectVolumes } from './project-state.ts';
import { removeContainer, stopContainer } from './replica.ts';
import { serviceImage } from './images.ts';

export interface DownOptions { volumes?: boolean; rmi?: 'local' | 'all'; removeOrphans?: boolean; timeout?: number }

/** `p` may hold only a name (down -p NAME without a file): then everything labelled with the project goes. */
export async function down(c: ComposeContext, p: Project | { name: string }, o: DownOptions = {}): Promise<void> {
  const model = 'services' in p ? p : undefined;
  const containers = (await projectContainers(c, p.name)).filter((x) => !model || o.removeOrphans || model.services[x.Labels[L.service]] || model.disabled[x.Labels[L.service]] || x.Labels[L.oneoff] === 'True');
  await Promise.all(containers.filter((x) => x.State === 'running' || x.State === 'paused').map((x) => stopContainer(c, x.Id, containerName(x), o.timeout)));
  for (const x of containers) await removeContainer(c, x.Id, containerName(x));
  const left = await projectContainers(c, p.name);
  if (left.length === 0 || o.removeOrphans) {
    for (const n of await projectNetworks(c, p.name)) {
      c.progress(` Network ${n.Name}  Removing`);
      await c.client.call('DELETE', `/networks/${encodeURIComponent(n.Id ?? n.Name)}`);
      c.progress(` Network ${n.Name}  Removed`);
    }
  }
  if (o.volumes) {
    for (const v of await projectVolumes(c, p.name)) {
      await c.client.call('DELETE', `/volumes/${encodeURIComponent(v.Name)}`);
      c.progress(` Volume ${v.Name}  Removed`);
    }
  }
  if (o.rmi && model) {
    const images = new Set(Object.values(model.services).filter((s) => o.rmi === 'all' || !s.image).map((s) => serviceImage(model, s)));
    for (const ref of images) {
      await c.client.call('DELETE', `/images/${encodeURIComponent(ref)}`).then(() => c.progress(` Image ${ref}  Removed`), () => undefined);
    }
  }
}
