/**
 * POST /containers/create as docker run/create do it: pull first with --pull=always; on 404 (no such image)
 * print "Unable to find image '<ref>' locally" to stderr, pull, and create again. Warnings go to stderr.
 */
import { isApiError } from '../../../client/api-error.ts';
import type { CreateResponse } from '../../../client/types.ts';
import type { CliContext } from '../../command.ts';
import { familiarTagged } from '../image/image-reference.ts';
import { pullImage } from '../image/pull-image.ts';
import type { CreateRequest } from './container-options.ts';

export async function createContainer(
  ctx: CliContext,
  req: CreateRequest,
  o: { pull: string; quiet: boolean },
): Promise<string> {
  const client = ctx.client();
  if (!['always', 'missing', 'never'].includes(o.pull)) {
    throw new Error(`invalid pull option: '${o.pull}': must be one of "always", "missing" or "never"`);
  }
  const pull = () => pullImage(client, req.image, { out: ctx.stderr, quiet: o.quiet, platform: req.platform, env: ctx.env });
  if (o.pull === 'always') await pull();
  const create = () =>
    client.json<CreateResponse>('POST', '/containers/create', { query: { name: req.name, platform: req.platform }, body: req.body });
  let res: CreateResponse;
  try {
    res = await create();
  } catch (e) {
    if (!(isApiError(e) && e.status === 404 && o.pull === 'missing')) throw e;
    ctx.stderr.write(`Unable to find image '${familiarTagged(req.image)}' locally\n`);
    await pull();
    res = await create();
  }
  for (const w of res.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
  return res.Id;
}
