/**
 * deploy.update_config: replace a service's stale containers `parallelism` at a time, waiting `delay` between
 * batches. stop-first stops the old container before its replacement starts; start-first starts the
 * replacement under a temporary name first. A replacement that does not come up running (healthy, when it has
 * a healthcheck) fails the update; with failure_action rollback the batch's old containers are put back.
 */
import type { ComposeContext, ContainerSummary } from './context.ts';
import type { Ledger } from './ledger.ts';
import type { Project, Service } from './model.ts';
import type { ReplicaIdentity } from './container-spec.ts';
import { containerName, containerNumber } from './project-state.ts';
import { createReplica, removeContainer, startContainer, stopContainer } from './replica.ts';
import { waitFor } from './wait.ts';
import { durationNs } from './units.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function rollingReplace(c: ComposeContext, p: Project, s: Service, stale: ContainerSummary[], identity: (n: number) => ReplicaIdentity, ledger: Ledger, timeout?: number): Promise<void> {
  const u = s.deploy?.update_config ?? {};
  const parallelism = u.parallelism && u.parallelism > 0 ? u.parallelism : stale.length;
  const delayMs = (durationNs(u.delay) ?? 0) / 1e6;
  for (let i = 0; i < stale.length; i += parallelism) {
    const batch = stale.slice(i, i + parallelism);
    await Promise.all(batch.map((old) => replaceOne(c, p, s, old, identity(containerNumber(old)), ledger, u.order ?? 'stop-first', u.failure_action ?? 'pause', timeout)));
    if (delayMs && i + parallelism < stale.length) await sleep(delayMs);
  }
}

async function replaceOne(c: ComposeContext, p: Project, s: Service, old: ContainerSummary, r: ReplicaIdentity, ledger: Ledger, order: 'start-first' | 'stop-first', onFailure: string, timeout?: number): Promise<void> {
  const name = containerName(old);
  const parked = `${old.Id.slice(0, 12)}_${name}`;
  if (order === 'stop-first') await stopContainer(c, old.Id, name, timeout);
  await c.client.call('POST', `/containers/${old.Id}/rename`, { query: { name: parked } });
  let id: string | undefined;
  try {
    id = await createReplica(c, p, s, name, r, ledger);
    await startContainer(c, id, name);
    await waitFor(c, id, 'running_or_healthy', 120_000);
  } catch (err) {
    if (onFailure !== 'rollback') throw new Error(`update of ${name} failed: ${(err as Error).message}`);
    c.progress(` Container ${name}  Rolling back`);
    if (id) await removeContainer(c, id, name);
    await c.client.call('POST', `/containers/${old.Id}/rename`, { query: { name } });
    if (order === 'stop-first') await startContainer(c, old.Id, name);
    throw new Error(`update of ${name} failed and was rolled back: ${(err as Error).message}`);
  }
  if (order === 'start-first') await stopContainer(c, old.Id, name, timeout);
  await removeContainer(c, old.Id, name);
}
