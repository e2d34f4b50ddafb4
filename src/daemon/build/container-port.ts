/** The builder's view of the ContainerService (RUN steps run in ordinary, short-lived containers). */
import type { ContainerService } from '../containers/service.ts';
import type { BuildContainers } from './ports.ts';

export function buildContainers(containers: ContainerService): BuildContainers {
  return {
    create: (req) => containers.create(req),
    start: (id) => containers.start(id),
    wait: (id, condition) => containers.wait(id, condition),
    remove: (id, o) => containers.remove(id, o),
    logPath: (id) => containers.store.get(id).logPath,
  };
}
