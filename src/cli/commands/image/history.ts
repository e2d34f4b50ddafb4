import type { CommandDefinition } from '../../command.ts';
import type { ImageHistoryItem } from '../../../client/types.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { formatRows } from '../../format/formatter.ts';
import { DEFAULT_HISTORY_TABLE, HISTORY_HEADERS, HistoryRow } from '../../format/history-row.ts';

export const imageHistoryCommand: CommandDefinition = {
  usage: '[OPTIONS] IMAGE',
  description: 'Show the history of an image',
  flags: [
    stringFlag('format', undefined, "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"),
    boolFlag('human', 'H', 'Print sizes and dates in human readable format', { default: true }),
    boolFlag('no-trunc', undefined, "Don't truncate output"),
    stringFlag('platform', undefined, 'Show history for the given platform.'),
    boolFlag('quiet', 'q', 'Only show image IDs'),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const items = await ctx.client().json<ImageHistoryItem[]>('GET', `/images/${encodeURIComponent(flags.args[0])}/history`);
    const rows = items.map((h) => new HistoryRow(h, { trunc: !flags.bool('no-trunc'), human: flags.bool('human') }));
    ctx.stdout.write(formatRows(rows, { format: flags.string('format'), defaultTable: DEFAULT_HISTORY_TABLE, quiet: flags.bool('quiet'), headers: flags.bool('human') ? HISTORY_HEADERS : { ...HISTORY_HEADERS, CreatedSince: 'CREATED AT' } }));
    return 0;
  },
};
