/** `berth push NAME[:TAG]`: POST /images/{name}/push with the stored credentials in X-Registry-Auth. */
import type { CommandDefinition } from '../../command.ts';
import { JsonMessageRenderer, readJsonMessages } from '../../../client/json-messages.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { parseReference } from '../../../oci/index.ts';
import { registryAuthHeader } from '../system/login.ts';

export const imagePushCommand: CommandDefinition = {
  usage: '[OPTIONS] NAME[:TAG]',
  description: 'Upload an image to a registry',
  flags: [
    boolFlag('all-tags', 'a', 'Push all tags of an image to the repository'),
    boolFlag('quiet', 'q', 'Suppress verbose output'),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const ref = parseReference(flags.args[0]);
    const allTags = flags.bool('all-tags');
    if (allTags && ref.tag) throw new Error('tag can\'t be used with --all-tags/-a');
    const tag = allTags ? undefined : ref.tag ?? 'latest';
    if (!allTags && !ref.tag) ctx.stdout.write('Using default tag: latest\n');
    const name = `${ref.domain}/${ref.path}`;
    const res = await ctx.client().request('POST', `/images/${name}/push`, {
      query: { tag },
      headers: { 'X-Registry-Auth': await registryAuthHeader(ctx.env, ref.domain) },
    });
    const renderer = new JsonMessageRenderer(ctx.stdout, { isTerminal: Boolean(ctx.stdout.isTTY) });
    await readJsonMessages(res, (m) => { if (!flags.bool('quiet')) renderer.render(m); });
    if (flags.bool('quiet')) ctx.stdout.write(`${flags.args[0]}\n`);
    return 0;
  },
};
