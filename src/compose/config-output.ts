/** `compose config`: the normalised model as YAML (or JSON), keys in docker compose's order: name, services, then the rest. */
import { stringify } from 'yaml';
import type { Project } from './model.ts';

const sortKeys = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

export function projectDocument(p: Project): Record<string, unknown> {
  const services = Object.fromEntries(Object.keys(p.services).sort().map((n) => {
    const { name: _name, ...rest } = p.services[n];
    const drop = (k: string) => Array.isArray(rest[k]) ? (rest[k] as unknown[]).length === 0 : rest[k] && typeof rest[k] === 'object' && Object.keys(rest[k] as object).length === 0;
    for (const k of ['ports', 'expose', 'volumes', 'extra_hosts', 'secrets', 'configs', 'labels', 'environment', 'depends_on']) if (drop(k)) delete rest[k];
    return [n, sortKeys(rest)];
  }));
  const doc: Record<string, unknown> = { name: p.name, services };
  for (const k of ['networks', 'volumes', 'secrets', 'configs'] as const) if (Object.keys(p[k]).length) doc[k] = p[k];
  return doc;
}

export function formatConfig(p: Project, format: 'yaml' | 'json'): string {
  const doc = projectDocument(p);
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, { lineWidth: 0 });
}
