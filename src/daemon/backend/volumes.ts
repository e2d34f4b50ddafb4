/** Adapts the daemon's VolumeService to the API's VolumesBackend. */
import type { VolumeCreateBody, VolumesBackend } from '../../api/routers/volumes/routes.ts';
import type { VolumeService } from '../volumes/service.ts';

export class VolumesBackendImpl implements VolumesBackend {
  private readonly volumes: VolumeService;

  constructor(o: { volumes: VolumeService }) {
    this.volumes = o.volumes;
  }

  list(filters: Record<string, string[]>) { return this.volumes.list(filters); }
  inspect(name: string) { return this.volumes.inspect(name); }
  create(body: VolumeCreateBody) {
    return this.volumes.create(body.Name || undefined, {
      driver: body.Driver || undefined, driverOpts: body.DriverOpts ?? undefined, labels: body.Labels ?? undefined,
    });
  }
  remove(name: string, o: { force: boolean }) { return this.volumes.remove(name, o); }
  async prune(filters: Record<string, string[]>) { return this.volumes.prune(filters); }
}
