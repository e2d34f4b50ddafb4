/** What the daemon holds for a project: its containers (by service, in number order), networks and volumes. */
import type { ComposeContext, ContainerSummary } from './context.ts';
import { L, projectFilter } from './labels.ts';

export async function projectContainers(c: ComposeContext, project: string, o: { all?: boolean; service?: string; oneoff?: boolean } = {}): Promise<ContainerSummary[]> {
  const extra = [...(o.service ? [`${L.service}=${o.service}`] : []), ...(o.oneoff === undefined ? [] : [`${L.oneoff}=${o.oneoff ? 'True' : 'False'}`])];
  const list = await c.client.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: o.all ?? true ? '1' : undefined, filters: projectFilter(project, extra) } });
  return list.sort((a, b) => a.Labels[L.service].localeCompare(b.Labels[L.service]) || containerNumber(a) - containerNumber(b));
}

export const containerNumber = (c: ContainerSummary): number => Number(c.Labels[L.number] ?? 0);
export const containerName = (c: ContainerSummary): string => (c.Names[0] ?? '').replace(/^\//, '');

export interface NamedResource { Name: string; Id?: string; Labels?: Record<string, string> | null }

export async function projectNetworks(c: ComposeContext, project: string): Promise<NamedResource[]> {
  return c.client.json<NamedResource[]>('GET', '/networks', { query: { filters: projectFilter(project) } });
}

export async function projectVolumes(c: ComposeContext, project: string): Promise<NamedResource[]> {
  const r = await c.client.json<{ Volumes: NamedResource[] | null }>('GET', '/volumes', { query: { filters: projectFilter(project) } });
  return r.Volumes ?? [];
}
