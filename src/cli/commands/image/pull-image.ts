/** POST /images/create?fromImage= with the progress stream rendered as docker's jsonmessage does. */
import type { Writable } from 'node:stream';
import type { EngineClient } from '../../../client/engine-client.ts';
import { JsonMessageRenderer, readJsonMessages } from '../../../client/json-messages.ts';
import { parseReference } from '../../../oci/index.ts';
import { registryAuthHeader } from '../system/login.ts';
import { parseImageReference, qualifiedRepository } from './image-reference.ts';

/** base64url of "{}": the empty AuthConfig docker sends. */
const EMPTY_AUTH = 'e30=';

export async function pullImage(
  client: EngineClient,
  ref: string,
  o: { out: Writable & { isTTY?: boolean }; quiet?: boolean; platform?: string; allTags?: boolean; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const r = parseImageReference(ref);
  const tag = r.digest ?? r.tag ?? (o.allTags ? undefined : 'latest');
  const res = await client.request('POST', '/images/create', {
    query: { fromImage: qualifiedRepository(r.repository), tag, platform: o.platform },
    // The stored credentials of the image's registry (config.json or its credential helper), as docker sends.
    headers: { 'X-Registry-Auth': o.env ? await registryAuthHeader(o.env, parseReference(qualifiedRepository(r.repository)).domain) : EMPTY_AUTH },
  });
  const renderer = new JsonMessageRenderer(o.out, { isTerminal: Boolean(o.out.isTTY) });
  await readJsonMessages(res, (m) => {
    if (!o.quiet) renderer.render(m);
  });
}
