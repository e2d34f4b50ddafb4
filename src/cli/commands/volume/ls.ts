import type { CommandDefinition } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { formatRows } from '../../format/formatter.ts';
import { DEFAULT_VOLUME_TABLE, VOLUME_HEADERS, VolumeRow, type VolumeSummary } from './volume-row.ts';

export const volumeLsCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'List volumes',
  flags: [
    boolFlag('cluster', undefined, 'Display only cluster volumes, and use cluster volume list formatting', { hidden: true }),
    listFlag('filter', 'f', "Provide filter values (e.g. 'dangling=true')", { valueName: 'filter' }),
    stringFlag('format', undefined, "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"),
    boolFlag('quiet', 'q', 'Only display volume names'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const res = await ctx.client().json<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', { query: { filters: encodeFilters(flags.list('filter')) } });
    const volumes = (res.Volumes ?? []).sort((a, b) => a.Name.localeCompare(b.Name));
    ctx.stdout.write(formatRows(volumes.map((v) => new VolumeRow(v)), {
      format: flags.string('format'), defaultTable: DEFAULT_VOLUME_TABLE, quiet: flags.bool('quiet'), headers: VOLUME_HEADERS,
    }));
    return 0;
  },
};
