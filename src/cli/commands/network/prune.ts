import type { CommandDefinition } from '../../command.ts';
import { encodeFilters } from '../../filters.ts';
import { confirmPrune, deletedSection, filterFlag, forceFlag } from '../prune-common.ts';

export const NETWORK_PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.';

/** POST /networks/prune; returns docker's report text ('' when nothing was removed). */
export async function pruneNetworks(ctx: Parameters<CommandDefinition['run']>[0], filters: string[]): Promise<string> {
  const report = await ctx.client().json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: encodeFilters(filters) } });
  return deletedSection('Deleted Networks', report.NetworksDeleted);
}

export const networkPruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove all unused networks',
  flags: [filterFlag('until=<timestamp>'), forceFlag],
  args: { max: 0 },
  async run(ctx, flags) {
    await confirmPrune(ctx, flags, NETWORK_PRUNE_WARNING);
    ctx.stdout.write(await pruneNetworks(ctx, flags.list('filter')));
    return 0;
  },
};
