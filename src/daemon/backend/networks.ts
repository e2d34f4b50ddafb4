/** Adapts the network service (and the container service for connect/disconnect) to the API's NetworksBackend. */
import type { NetworksBackend } from '../../api/routers/networks/routes.ts';
import type { EndpointSettings } from '../../api/types/index.ts';
import type { ContainerService } from '../containers/service.ts';
import type { NetworkCreateRequest, NetworkService } from '../networks/service.ts';

export class NetworksBackendImpl implements NetworksBackend {
  private readonly networks: NetworkService;
  private readonly containers: ContainerService;

  constructor(o: { networks: NetworkService; containers: ContainerService }) {
    this.networks = o.networks;
    this.containers = o.containers;
  }

  list(filters: Map<string, string[]>) { return this.networks.list(filters); }
  inspect(ref: string) { return this.networks.inspect(ref); }
  create(req: Record<string, unknown> & { Name: string }) { return this.networks.create(req as NetworkCreateRequest); }
  remove(ref: string) { return this.networks.remove(ref); }
  prune(filters: Map<string, string[]>) { return this.networks.prune(filters); }
  connect(network: string, container: string, config: EndpointSettings) { return this.containers.connectNetwork(network, container, config); }
  disconnect(network: string, container: string, force: boolean) { return this.containers.disconnectNetwork(network, container, { force }); }
}
