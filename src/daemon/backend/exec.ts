/** Adapts the exec service to the API's ExecBackend. */
import type { Duplex } from 'node:stream';
import type { ExecBackend } from '../../api/routers/exec/routes.ts';
import type { ExecConfig } from '../../api/types/index.ts';
import type { ExecService } from '../exec/service.ts';

export class ExecBackendImpl implements ExecBackend {
  private readonly svc: ExecService;
  constructor(svc: ExecService) {
    this.svc = svc;
  }
  create(ref: string, config: ExecConfig | undefined) { return this.svc.create(ref, config); }
  prepareStart(id: string) { return { tty: !!this.svc.prepareStart(id).config.Tty }; }
  start(id: string, o: { detach: boolean; tty?: boolean; client?: Duplex }) { return this.svc.start(id, o); }
  resize(id: string, size: { height: number; width: number }) { return this.svc.resize(id, size); }
  inspect(id: string) { return this.svc.inspect(id); }
}
