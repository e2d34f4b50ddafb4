/** `berth commit [-a] [-c]... [-m] [-p] CONTAINER [REPOSITORY[:TAG]]`: prints the new image ID. */
import type { CommandDefinition } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { splitRepoTag } from '../../format/image-row.ts';

export const commitCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Create a new image from a container's changes",
  flags: [
    stringFlag('author', 'a', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")'),
    listFlag('change', 'c', 'Apply Dockerfile instruction to the created image', { valueName: 'list' }),
    stringFlag('message', 'm', 'Commit message'),
    boolFlag('pause', 'p', 'Pause container during commit', { default: true }),
  ],
  args: { min: 1, max: 2 },
  async run(ctx, flags) {
    const [container, ref] = flags.args;
    const [repo, tag] = ref ? splitRepoTag(ref) : ['', ''];
    const res = await ctx.client().json<{ Id: string }>('POST', '/commit', {
      query: {
        container, repo: repo || undefined, tag: tag || undefined, comment: flags.string('message') || undefined,
        author: flags.string('author') || undefined, pause: flags.bool('pause') ? undefined : '0', changes: flags.list('change'),
      },
      body: {},
    });
    ctx.stdout.write(`${res.Id}\n`);
    return 0;
  },
};
