/** `run`: a one-off container for a service (oneoff label, `project-service-run-ID` name), its dependencies up first. */
import { randomBytes } from 'node:crypto';
import type { ComposeContext } from './context.ts';
import type { Project } from './model.ts';
import { Ledger } from './ledger.ts';
import { up } from './converge.ts';
import { ensureNetworks, ensureVolumes } from './resources.ts';
import { ensureImages, serviceImage } from './images.ts';
import { serviceConfigHash } from './config-hash.ts';
import { createReplica } from './replica.ts';

export interface OneOffOptions { command?: string[]; env?: Record<string, string>; servicePorts?: boolean; noDeps?: boolean; name?: string; entrypoint?: string[]; user?: string; workdir?: string; tty?: boolean; interactive?: boolean }

export async function createOneOff(c: ComposeContext, p: Project, service: string, o: OneOffOptions): Promise<{ id: string; name: string }> {
  const base = p.services[service];
  if (!base) throw new Error(`no such service: ${service}`);
  const deps = Object.keys(base.depends_on).filter((d) => p.services[d]);
  if (!o.noDeps && deps.length) await up(c, p, { services: deps });
  const s = {
    ...base,
    ...(o.entrypoint ? { entrypoint: o.entrypoint } : {}),
    ...(o.user ? { user: o.user } : {}),
    ...(o.workdir ? { working_dir: o.workdir } : {}),
    tty: o.tty ?? base.tty,
    stdin_open: o.interactive ?? base.stdin_open,
    restart: undefined,
    deploy: base.deploy ? { ...base.deploy, restart_policy: undefined } : undefined,
  };
  const ledger = new Ledger();
  try {
    await ensureNetworks(c, p, new Set(Object.keys(s.networks)), ledger);
    await ensureVolumes(c, p, new Set(s.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.source!)), ledger);
    const images = await ensureImages(c, p, [s], {});
    const name = o.name ?? `${p.name}-${service}-run-${randomBytes(6).toString('hex')}`;
    const id = await createReplica(c, p, s, name, { number: 1, image: serviceImage(p, s), imageId: images.get(service), hash: serviceConfigHash(s), oneoff: true }, ledger, {
      publishPorts: o.servicePorts ?? false, command: o.command?.length ? o.command : undefined, env: o.env,
    });
    return { id, name };
  } catch (err) {
    await ledger.rollback(c);
    throw err;
  }
}
