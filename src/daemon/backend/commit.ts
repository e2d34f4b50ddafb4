/** docker commit: pause the container (by default), commit its layer on its image, tag the result. */
import type { CommitBackend } from '../../api/routers/commit/routes.ts';
import type { ContainerConfig } from '../../api/types/index.ts';
import { applyChanges, type ImageService } from '../../image/index.ts';
import { familiarString, parseReference } from '../../oci/index.ts';
import type { ContainerService } from '../containers/service.ts';

export class CommitBackendImpl implements CommitBackend {
  private readonly containers: ContainerService;
  private readonly images: ImageService;

  constructor(o: { containers: ContainerService; images: ImageService }) {
    this.containers = o.containers;
    this.images = o.images;
  }

  async commit(o: Parameters<CommitBackend['commit']>[0]): Promise<{ Id: string }> {
    const rec = this.containers.store.get(o.container);
    const pause = o.pause && rec.state.Status === 'running';
    if (pause) await this.containers.pause(rec.id);
    try {
      // The image keeps the container's config, overridden by the request's and then by --change lines.
      const base = { ...rec.config, ...(o.config ?? {}) } as ContainerConfig;
      const config = applyChanges(base as Parameters<typeof applyChanges>[0], o.changes);
      const { id } = await this.images.commitContainer(rec.id, {
        config, parentImageId: rec.imageId, comment: o.comment, author: o.author,
        history: { created_by: [rec.path, ...rec.args].join(' '), comment: o.comment, author: o.author },
      });
      if (o.repo) await this.images.tag(id, o.repo, o.tag);
      const imageRef = o.repo ? familiarString(parseReference(`${o.repo}:${o.tag || 'latest'}`)) : '';
      this.containers.emit(rec, 'commit', { comment: o.comment ?? '', imageID: id, imageRef });
      return { Id: id };
    } finally {
      if (pause) await this.containers.unpause(rec.id).catch(() => undefined);
    }
  }
}
