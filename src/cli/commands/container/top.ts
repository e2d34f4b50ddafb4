import type { CommandDefinition } from '../../command.ts';
import type { TopResponse } from '../../../client/types.ts';
import { alignColumns, TOP_TABLE } from '../../format/tab-writer.ts';

export const topCommand: CommandDefinition = {
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  flags: [],
  interspersed: false,
  args: { min: 1 },
  async run(ctx, flags) {
    const [ref, ...psArgs] = flags.args;
    const top = await ctx.client().json<TopResponse>('GET', `/containers/${encodeURIComponent(ref)}/top`, {
      query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined },
    });
    const lines = [top.Titles.join('\t'), ...top.Processes.map((p) => p.join('\t'))];
    ctx.stdout.write(`${alignColumns(lines.join('\n'), TOP_TABLE)}\n`);
    return 0;
  },
};
