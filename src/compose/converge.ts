/**
 * `up`: bring the daemon's containers to the model, as docker compose v2 converges. Per service in dependency
 * order: wait for its dependencies' conditions, recreate containers whose config-hash or image changed, start
 * stopped ones, scale to the wanted count (new replicas take the lowest free numbers, extra ones go from the top).
 * A failure removes what this run created.
 */
import type { ComposeContext, ContainerSummary } from './context.ts';
import type { Project, Service } from './model.ts';
import { Ledger } from './ledger.ts';
import { L, containerName as nameFor } from './labels.ts';
import { dependencyOrder } from './references.ts';
import { ensureNetworks, ensureVolumes } from './resources.ts';
import { ensureImages, serviceImage } from './images.ts';
import { serviceConfigHash } from './config-hash.ts';
import { containerName, containerNumber, projectContainers } from './project-state.ts';
import { createReplica, removeContainer, startContainer, stopContainer } from './replica.ts';
import { waitFor } from './wait.ts';
import { checkHostPorts } from './port-check.ts';
import { rollingReplace } from './rolling.ts';

export interface UpOptions {
  services?: string[];
  build?: boolean;
  noBuild?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  noDeps?: boolean;
  noStart?: boolean;
  scale?: Record<string, number>;
  removeOrphans?: boolean;
  wait?: boolean;
  timeout?: number;
}

export const replicasOf = (s: Service, o: Pick<UpOptions, 'scale'> = {}): number => o.scale?.[s.name] ?? s.scale ?? s.deploy?.replicas ?? 1;

/** The services `up SERVICE...` touches: the named ones and (unless --no-deps) what they depend on. */
export function selectServices(p: Project, names: string[] | undefined, withDeps: boolean): Service[] {
  for (const n of names ?? []) if (!p.services[n]) throw new Error(`no such service: ${n}`);
  const wanted = new Set(names?.length ? names : Object.keys(p.services));
  if (withDeps) {
    const add = (n: string) => {
      for (const d of Object.keys(p.services[n]?.depends_on ?? {})) if (p.services[d] && !wanted.has(d)) { wanted.add(d); add(d); }
    };
    for (const n of [...wanted]) add(n);
  }
  return dependencyOrder(p).filter((n) => wanted.has(n)).map((n) => p.services[n]);
}

export async function up(c: ComposeContext, p: Project, o: UpOptions = {}): Promise<void> {
  const services = selectServices(p, o.services, !o.noDeps);
  const existing = await projectContainers(c, p.name, { oneoff: false });
  const held = new Set(existing.flatMap((x) => (x.Ports ?? []).filter((q) => q.PublicPort).map((q) => `:${q.PublicPort}/${q.Type}`)));
  const heldAnyIp = new Set([...held].flatMap((k) => [k, k.replace(/^:/, '0.0.0.0:'), k.replace(/^:/, '127.0.0.1:')]));
  await checkHostPorts(p, services, heldAnyIp);
  const ledger = new Ledger();
  try {
    await ensureNetworks(c, p, new Set(services.flatMap((s) => Object.keys(s.networks))), ledger);
    await ensureVolumes(c, p, new Set(services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.source!))), ledger);
    const images = await ensureImages(c, p, services, o);
    const recreated = new Set<string>();
    for (const s of services) {
      await waitForDependencies(c, p, s, services);
      const changed = await convergeService(c, p, s, existing.filter((x) => x.Labels[L.service] === s.name), images.get(s.name)!, ledger, {
        ...o,
        // a service whose dependency was recreated with depends_on.restart follows it
        forceRecreate: o.forceRecreate || Object.entries(s.depends_on).some(([d, dep]) => dep.restart && recreated.has(d)),
      });
      if (changed) recreated.add(s.name);
    }
    await removeOrphans(c, p, existing, o.removeOrphans ?? false);
    if (o.wait) for (const x of await projectContainers(c, p.name, { oneoff: false })) if (services.some((s) => s.name === x.Labels[L.service])) await waitFor(c, x.Id, 'running_or_healthy');
  } catch (err) {
    await ledger.rollback(c);
    throw err;
  }
}

async function waitForDependencies(c: ComposeContext, p: Project, s: Service, inRun: Service[]): Promise<void> {
  for (const [dep, d] of Object.entries(s.depends_on)) {
    if (!p.services[dep]) continue;
    const containers = await projectContainers(c, p.name, { service: dep, oneoff: false });
    if (containers.length === 0 && !inRun.some((x) => x.name === dep)) continue;
    for (const x of containers) {
      if (d.condition !== 'service_started') c.progress(` Container ${containerName(x)}  Waiting`);
      await waitFor(c, x.Id, d.condition);
      if (d.condition === 'service_healthy') c.progress(` Container ${containerName(x)}  Healthy`);
    }
  }
}

/** Returns whether any container of the service was (re)created. */
async function convergeService(c: ComposeContext, p: Project, s: Service, current: ContainerSummary[], imageId: string, ledger: Ledger, o: UpOptions): Promise<boolean> {
  const want = replicasOf(s, o);
  const hash = serviceConfigHash(s);
  const sorted = [...current].sort((a, b) => containerNumber(a) - containerNumber(b));
  const keep = sorted.slice(0, want);
  const extra = sorted.slice(want);
  let changed = false;
  for (const x of extra.reverse()) {
    await stopContainer(c, x.Id, containerName(x), o.timeout);
    await removeContainer(c, x.Id, containerName(x));
  }
  const identity = (n: number) => ({ number: n, image: serviceImage(p, s), imageId, hash });
  const isStale = (x: ContainerSummary) => o.forceRecreate || x.Labels[L.hash] !== hash || (x.Labels[L.image] !== undefined && x.Labels[L.image] !== imageId);
  if (s.deploy?.update_config && !o.noRecreate && keep.some(isStale)) {
    await rollingReplace(c, p, s, keep.filter(isStale), identity, ledger, o.timeout);
    changed = true;
  }
  for (const x of keep) {
    if (s.deploy?.update_config && !o.noRecreate && isStale(x)) continue; // replaced by the rolling update above
    if (isStale(x) && !o.noRecreate) {
      await recreate(c, p, s, x, identity(containerNumber(x)), ledger, o);
      changed = true;
    } else if (x.State !== 'running' && !o.noStart) {
      await startContainer(c, x.Id, containerName(x));
    } else {
      c.progress(` Container ${containerName(x)}  Running`);
    }
  }
  const used = new Set(keep.map(containerNumber));
  for (let n = 1, added = keep.length; added < want; n++) {
    if (used.has(n)) continue;
    const name = s.container_name && want === 1 ? s.container_name : nameFor(p.name, s.name, n);
    const id = await createReplica(c, p, s, name, identity(n), ledger);
    if (!o.noStart) await startContainer(c, id, name);
    added++;
    changed = true;
  }
  return changed;
}

async function recreate(c: ComposeContext, p: Project, s: Service, old: ContainerSummary, r: { number: number; image: string; imageId: string; hash: string }, ledger: Ledger, o: UpOptions): Promise<void> {
  const name = containerName(old);
  c.progress(` Container ${name}  Recreate`);
  await stopContainer(c, old.Id, name, o.timeout);
  // the old container keeps its anonymous volumes until the new one exists; then it goes
  await c.client.call('POST', `/containers/${old.Id}/rename`, { query: { name: `${old.Id.slice(0, 12)}_${name}` } });
  const id = await createReplica(c, p, s, name, r, ledger);
  await removeContainer(c, old.Id, name);
  c.progress(` Container ${name}  Recreated`);
  if (!o.noStart) await startContainer(c, id, name);
}

async function removeOrphans(c: ComposeContext, p: Project, existing: ContainerSummary[], remove: boolean): Promise<void> {
  const orphans = existing.filter((x) => !p.services[x.Labels[L.service]] && !p.disabled[x.Labels[L.service]]);
  if (orphans.length === 0) return;
  if (!remove) {
    c.progress(`Found orphan containers (${orphans.map(containerName).join(', ')}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    return;
  }
  for (const x of orphans) await removeContainer(c, x.Id, containerName(x));
}
