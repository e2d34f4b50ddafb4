/** Adapts ContainerArchive (docker cp / export / diff) to the API's ArchiveBackend. */
import type { Readable } from 'node:stream';
import type { ArchiveBackend } from '../../api/routers/containers/archive-routes.ts';
import { encodePathStatHeader } from '../../archive/index.ts';
import type { ContainerArchive } from '../containers/archive.ts';

export class ArchiveBackendImpl implements ArchiveBackend {
  private readonly archive: ContainerArchive;

  constructor(o: { archive: ContainerArchive }) {
    this.archive = o.archive;
  }

  async statPath(ref: string, path: string) { return encodePathStatHeader(await this.archive.stat(ref, path)); }
  archivePath(ref: string, path: string, o: { signal?: AbortSignal }) { return this.archive.archive(ref, path, o); }
  extractToDir(ref: string, path: string, body: Readable, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean; signal?: AbortSignal }) {
    return this.archive.extract(ref, path, body, o);
  }
  exportContainer(ref: string, o: { signal?: AbortSignal }) { return this.archive.export(ref, o); }
  changes(ref: string, o: { signal?: AbortSignal }) { return this.archive.changes(ref, o); }
}
