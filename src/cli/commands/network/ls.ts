import type { CommandDefinition } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { formatRows } from '../../format/formatter.ts';
import { DEFAULT_NETWORK_TABLE, NETWORK_HEADERS, NetworkRow, type NetworkSummary } from './network-row.ts';

export const networkLsCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'List networks',
  flags: [
    listFlag('filter', 'f', 'Provide filter values (e.g. "driver=bridge")', { valueName: 'filter' }),
    stringFlag('format', undefined, "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"),
    boolFlag('no-trunc', undefined, 'Do not truncate the output'),
    boolFlag('quiet', 'q', 'Only display network IDs'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const networks = await ctx.client().json<NetworkSummary[]>('GET', '/networks', { query: { filters: encodeFilters(flags.list('filter')) } });
    networks.sort((a, b) => a.Name.localeCompare(b.Name));
    const trunc = !flags.bool('no-trunc');
    ctx.stdout.write(formatRows(networks.map((n) => new NetworkRow(n, trunc)), {
      format: flags.string('format'), defaultTable: DEFAULT_NETWORK_TABLE, quiet: flags.bool('quiet'), headers: NETWORK_HEADERS,
    }));
    return 0;
  },
};
