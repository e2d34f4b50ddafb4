import type { CommandDefinition } from '../../command.ts';
import type { ContainerSummary } from '../../../client/types.ts';
import { boolFlag, intFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { formatRows } from '../../format/formatter.ts';
import { CONTAINER_HEADERS, ContainerRow, DEFAULT_PS_TABLE } from '../../format/container-row.ts';

export const lsCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'List containers',
  flags: [
    boolFlag('all', 'a', 'Show all containers (default shows just running)'),
    listFlag('filter', 'f', 'Filter output based on conditions provided', { valueName: 'filter' }),
    stringFlag('format', undefined, "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"),
    intFlag('last', 'n', 'Show n last created containers (includes all states)', { default: -1 }),
    boolFlag('latest', 'l', 'Show the latest created container (includes all states)'),
    boolFlag('no-trunc', undefined, "Don't truncate output"),
    boolFlag('quiet', 'q', 'Only display container IDs'),
    boolFlag('size', 's', 'Display total file sizes'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const format = flags.string('format');
    const last = flags.bool('latest') ? 1 : flags.int('last');
    const wantsSize = flags.bool('size') || /\.Size\b/.test(format);
    const list = await ctx.client().json<ContainerSummary[]>('GET', '/containers/json', {
      query: {
        all: flags.bool('all'),
        limit: last > 0 ? last : undefined,
        size: wantsSize,
        filters: encodeFilters(flags.list('filter')),
      },
    });
    const trunc = !flags.bool('no-trunc');
    const rows = list.map((c) => new ContainerRow(c, { trunc }));
    const defaultTable = flags.bool('size') ? `${DEFAULT_PS_TABLE}\t{{.Size}}` : DEFAULT_PS_TABLE;
    ctx.stdout.write(formatRows(rows, { format, defaultTable, quiet: flags.bool('quiet'), headers: CONTAINER_HEADERS }));
    return 0;
  },
};
