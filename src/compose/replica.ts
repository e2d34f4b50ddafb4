/** One service container: create (on its networks), start, stop, remove. */
import type { ComposeContext } from './context.ts';
import type { Ledger } from './ledger.ts';
import type { Project, Service } from './model.ts';
import { containerCreateBody, endpointConfig, primaryNetwork, type ReplicaIdentity } from './container-spec.ts';

export async function createReplica(c: ComposeContext, p: Project, s: Service, name: string, r: ReplicaIdentity, ledger: Ledger, o: Parameters<typeof containerCreateBody>[4] = {}): Promise<string> {
  const body = containerCreateBody(p, s, name, r, o);
  const { Id } = await c.client.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
  ledger.add('container', Id);
  if (!s.network_mode) {
    const primary = primaryNetwork(s);
    for (const key of Object.keys(s.networks)) {
      if (key === primary) continue;
      await c.client.call('POST', `/networks/${encodeURIComponent(p.networks[key].name)}/connect`, { body: { Container: Id, EndpointConfig: endpointConfig(s, key, name) } });
    }
  }
  c.progress(` Container ${name}  Created`);
  return Id;
}

export async function startContainer(c: ComposeContext, id: string, name: string): Promise<void> {
  c.progress(` Container ${name}  Starting`);
  await c.client.call('POST', `/containers/${id}/start`);
  c.progress(` Container ${name}  Started`);
}

export async function stopContainer(c: ComposeContext, id: string, name: string, timeout?: number): Promise<void> {
  c.progress(` Container ${name}  Stopping`);
  await c.client.call('POST', `/containers/${id}/stop`, { query: { t: timeout } });
  c.progress(` Container ${name}  Stopped`);
}

export async function removeContainer(c: ComposeContext, id: string, name: string, o: { volumes?: boolean } = {}): Promise<void> {
  c.progress(` Container ${name}  Removing`);
  await c.client.call('DELETE', `/containers/${id}`, { query: { force: '1', v: o.volumes ? '1' : undefined } });
  c.progress(` Container ${name}  Removed`);
}
