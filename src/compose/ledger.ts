/**
 * What one `up` created, newest last, so a failed `up` can take it all back and leave nothing half-created.
 */
import { isApiError } from '../client/index.ts';
import type { ComposeContext } from './context.ts';

type Created = { kind: 'container' | 'network' | 'volume'; id: string };

export class Ledger {
  private readonly created: Created[] = [];

  add(kind: Created['kind'], id: string): void {
    this.created.push({ kind, id });
  }

  get size(): number {
    return this.created.length;
  }

  /** Removes everything recorded, containers first; errors are ignored (best effort). */
  async rollback(c: ComposeContext): Promise<void> {
    const order = ['container', 'network', 'volume'] as const;
    for (const kind of order) {
      for (const r of this.created.filter((x) => x.kind === kind).reverse()) {
        const path = kind === 'container' ? `/containers/${r.id}` : kind === 'network' ? `/networks/${r.id}` : `/volumes/${r.id}`;
        await c.client.call('DELETE', path, { query: kind === 'container' ? { force: '1', v: '1' } : {} }).catch((err: unknown) => {
          if (!isApiError(err) || err.status !== 404) c.progress(`warning: could not remove ${kind} ${r.id}: ${(err as Error).message}`);
        });
      }
    }
    this.created.length = 0;
  }
}
