import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { boolFlag, listFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { confirm } from '../../prompt.ts';

export const NETWORK_PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.';

/** POST /networks/prune; returns docker's report text ('' when nothing was removed). */
export async function pruneNetworks(ctx: Parameters<CommandDefinition['run']>[0], filters: string[]): Promise<string> {
  const report = await ctx.client().json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: encodeFilters(filters) } });
  const deleted = report.NetworksDeleted ?? [];
  return deleted.length ? `Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}` : '';
}

export const networkPruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove all unused networks',
  flags: [
    listFlag('filter', undefined, 'Provide filter values (e.g. "until=<timestamp>")', { valueName: 'filter' }),
    boolFlag('force', 'f', 'Do not prompt for confirmation'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    if (!flags.bool('force') && !(await confirm(ctx, NETWORK_PRUNE_WARNING))) throw new StatusError('', 1);
    const out = await pruneNetworks(ctx, flags.list('filter'));
    if (out) ctx.stdout.write(`${out}\n`);
    return 0;
  },
};
