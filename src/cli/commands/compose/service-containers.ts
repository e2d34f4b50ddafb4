/** The project's containers for the services a command names (all services when none is named). */
import { COMPOSE_LABELS as L, containerName, projectContainers, type ContainerSummary } from '../../../compose/index.ts';
import type { ComposeCli } from './compose-context.ts';

export async function serviceContainers(c: ComposeCli, services: string[], o: { all?: boolean; oneoff?: boolean } = {}): Promise<ContainerSummary[]> {
  const list = await projectContainers(c.engine, c.projectName(), { all: o.all ?? true, oneoff: o.oneoff });
  if (services.length === 0) return list;
  return list.filter((x) => services.includes(x.Labels[L.service]));
}

/** `exec SERVICE` / `port SERVICE`: the replica --index picks (1 by default). */
export async function oneContainer(c: ComposeCli, service: string, index = 1): Promise<ContainerSummary> {
  const list = (await serviceContainers(c, [service], { oneoff: false })).filter((x) => x.State === 'running' || x.State === 'paused');
  const found = list.find((x) => Number(x.Labels[L.number]) === index);
  if (!found) throw new Error(`service "${service}" is not running`);
  return found;
}

export { containerName };
