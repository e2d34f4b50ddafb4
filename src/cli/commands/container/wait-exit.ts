/**
 * POST /containers/{id}/wait opened before start (docker run, start -a, attach): the daemon flushes headers at once
 * and sends {"StatusCode":N,"Error":...} at exit. `opened` resolves with the headers; `result()` reads the body.
 */
import type { IncomingMessage } from 'node:http';
import type { EngineClient } from '../../../client/engine-client.ts';
import { readText } from '../../../client/engine-client.ts';
import type { WaitResponse } from '../../../client/types.ts';

export class ExitWaiter {
  private readonly res: IncomingMessage;
  private constructor(res: IncomingMessage) {
    this.res = res;
  }

  static async open(client: EngineClient, id: string, condition: 'next-exit' | 'removed' | 'not-running'): Promise<ExitWaiter> {
    return new ExitWaiter(await client.request('POST', `/containers/${encodeURIComponent(id)}/wait`, { query: { condition } }));
  }

  /** The container's exit status; throws when the daemon reports a wait error. */
  async result(): Promise<number> {
    const text = await readText(this.res);
    const body = JSON.parse(text) as WaitResponse;
    if (body.Error?.Message) throw new Error(body.Error.Message);
    return body.StatusCode;
  }

  abandon(): void {
    this.res.destroy();
  }
}
