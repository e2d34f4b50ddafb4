/** `POST /commit`: a container's filesystem changes as a new image (docker commit). */
import { invalidArgument } from '../../../lib/index.ts';
import { boolParam, readJson, sendJson } from '../../http.ts';
import { route, type Route } from '../../router.ts';
import type { ContainerConfig } from '../../types/index.ts';

export interface CommitBackend {
  commit(o: {
    container: string; repo?: string; tag?: string; comment?: string; author?: string; pause: boolean;
    changes: string[]; config?: ContainerConfig;
  }): Promise<{ Id: string }>;
}

export function commitRoutes(b: CommitBackend): Route[] {
  return [
    route('POST', '/commit', async (ctx) => {
      const q = ctx.query;
      const container = q.get('container');
      if (!container) throw invalidArgument('Bad parameters: container is required');
      const pause = q.get('pause') === null ? true : boolParam(q, 'pause');
      const result = await b.commit({
        container, repo: q.get('repo') || undefined, tag: q.get('tag') || undefined, comment: q.get('comment') || undefined,
        author: q.get('author') || undefined, pause, changes: q.getAll('changes').filter(Boolean),
        config: (await readJson<ContainerConfig>(ctx)) ?? undefined,
      });
      sendJson(ctx, 201, result);
    }),
  ];
}
