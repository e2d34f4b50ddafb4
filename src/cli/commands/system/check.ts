import type { CommandDefinition } from '../../command.ts';
import { boolFlag } from '../../flags/flag-spec.ts';

/** Berth's own: verify the store and the kernel against the daemon's records (and repair with --repair). */
export const checkCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Verify the store (blobs, images) and look for leftover mounts, netns and cgroups',
  flags: [boolFlag('repair', '', 'Repair what can be repaired safely')],
  args: { max: 0 },
  async run(ctx, flags) {
    const r = await ctx.client().json<{ problems: string[]; repaired: string[] }>('POST', '/berth/system/check', {
      query: { repair: flags.bool('repair') ? '1' : undefined },
    });
    for (const p of r.problems) ctx.stdout.write(`problem: ${p}\n`);
    for (const p of r.repaired) ctx.stdout.write(`repaired: ${p}\n`);
    if (r.problems.length === 0) ctx.stdout.write('ok: no problems found\n');
    return r.problems.length > r.repaired.length ? 1 : 0;
  },
};
