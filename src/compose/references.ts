/** Cross-reference checks once the model is whole: dependencies, networks, volumes, secrets, configs, cycles. */
import type { Project } from './model.ts';

export class ComposeReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeReferenceError';
  }
}

export function checkReferences(p: Project, file: string): void {
  const fail = (msg: string): never => {
    throw new ComposeReferenceError(`${file}: ${msg}`);
  };
  for (const s of Object.values(p.services)) {
    for (const [dep, d] of Object.entries(s.depends_on)) {
      if (!p.services[dep] && d.required) fail(`services.${s.name}.depends_on: service "${dep}" ${p.disabled[dep] ? 'is disabled by its profiles' : 'is not defined'}`);
    }
    for (const n of Object.keys(s.networks)) if (!p.networks[n]) fail(`services.${s.name}.networks: network "${n}" is not declared in the top-level networks`);
    for (const v of s.volumes) if (v.type === 'volume' && v.source && !p.volumes[v.source]) fail(`services.${s.name}.volumes: named volume "${v.source}" is used but not declared in the top-level volumes`);
    for (const r of s.secrets) if (!p.secrets[r.source]) fail(`services.${s.name}.secrets: secret "${r.source}" is not declared`);
    for (const r of s.configs) if (!p.configs[r.source]) fail(`services.${s.name}.configs: config "${r.source}" is not declared`);
    if (!s.image && !s.build) fail(`services.${s.name}: has neither an image nor a build context specified`);
  }
  dependencyOrder(p, fail);
}

/** Services in start order (dependencies first); a cycle is an error naming it. */
export function dependencyOrder(p: Pick<Project, 'services'>, fail: (msg: string) => never = (m) => { throw new ComposeReferenceError(m); }): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') fail(`dependency cycle detected: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of Object.keys(p.services[name]?.depends_on ?? {})) if (p.services[dep]) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(p.services).sort()) visit(name, []);
  return order;
}
