/** Adapts the classic builder to the API's BuildBackend. */
import type { Readable } from 'node:stream';
import type { BuildBackend, BuildRequest } from '../../api/routers/build/routes.ts';
import type { Builder } from '../build/executor.ts';

export class BuildBackendImpl implements BuildBackend {
  private readonly builder: Builder;

  constructor(o: { builder: Builder }) {
    this.builder = o.builder;
  }

  async prepare(body: Readable, r: BuildRequest) {
    const p = await this.builder.prepare(body, r);
    return { run: (write: (m: object) => void) => p.run({ write }), dispose: () => p.dispose() };
  }
}
