/** `docker network connect/disconnect`: a container's endpoints, changed in its record and, when it runs, live. */
import { forbidden, invalidArgument, type KeyedMutex } from '../../lib/index.ts';
import type { EndpointSettings } from '../../api/types/index.ts';
import type { EventBus } from '../events.ts';
import type { NetworkService } from '../networks/service.ts';
import type { ContainerStore, ContainerRecord } from './record.ts';

export interface NetworkAttachmentDeps {
  store: ContainerStore;
  /** The container service's per-container locks. */
  locks: KeyedMutex;
  events: EventBus;
  networks?: NetworkService;
  isAlive(rec: ContainerRecord): boolean;
}

export class NetworkAttachments {
  private readonly d: NetworkAttachmentDeps;

  constructor(d: NetworkAttachmentDeps) {
    this.d = d;
  }

  async connect(networkRef: string, ref: string, cfg: EndpointSettings): Promise<void> {
    const networks = this.requireNetworks();
    const { store } = this.d;
    const rec = store.get(ref);
    await this.d.locks.run(rec.id, async () => {
      const cur = store.get(rec.id);
      const n = networks.store.get(networkRef);
      if (n.Name in cur.endpoints) throw forbidden(`endpoint with name ${cur.name} already exists in network ${n.Name}`);
      const mode = cur.hostConfig.NetworkMode ?? '';
      if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
        throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
      }
      networks.endpointsForCreate(n.Name, { [n.Name]: cfg });
      const ep = this.d.isAlive(cur) ? await networks.connectRunning(cur, n, cfg) : { Aliases: cfg.Aliases ?? null, IPAMConfig: cfg.IPAMConfig ?? null, NetworkID: n.Id };
      cur.endpoints = { ...cur.endpoints, [n.Name]: ep };
      await store.save(cur);
      this.d.events.publish('network', 'connect', n.Id, { container: cur.id, name: n.Name, type: n.Driver });
    });
  }

  async disconnect(networkRef: string, ref: string, o: { force?: boolean } = {}): Promise<void> {
    const networks = this.requireNetworks();
    const { store } = this.d;
    const rec = store.find(ref);
    if (!rec) {
      if (o.force) return;
      throw store.get(ref) as never;
    }
    await this.d.locks.run(rec.id, async () => {
      const cur = store.get(rec.id);
      const n = networks.store.get(networkRef);
      if (!(n.Name in cur.endpoints)) throw forbidden(`container ${cur.id} is not connected to network ${n.Name}`);
      if (this.d.isAlive(cur)) await networks.disconnectRunning(cur, n);
      const { [n.Name]: _gone, ...rest } = cur.endpoints;
      cur.endpoints = rest;
      await store.save(cur);
      this.d.events.publish('network', 'disconnect', n.Id, { container: cur.id, name: n.Name, type: n.Driver });
    });
  }

  private requireNetworks(): NetworkService {
    if (!this.d.networks) throw invalidArgument('networking is not configured');
    return this.d.networks;
  }
}
