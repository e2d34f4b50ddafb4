import type { CommandDefinition } from '../../command.ts';
import type { ImageSummary } from '../../../client/types.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { formatRows } from '../../format/formatter.ts';
import { DEFAULT_IMAGES_DIGEST_TABLE, DEFAULT_IMAGES_TABLE, IMAGE_HEADERS, imageRows } from '../../format/image-row.ts';

export const imageLsCommand: CommandDefinition = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  description: 'List images',
  flags: [
    boolFlag('all', 'a', 'Show all images (default hides intermediate images)'),
    boolFlag('digests', undefined, 'Show digests'),
    listFlag('filter', 'f', 'Filter output based on conditions provided', { valueName: 'filter' }),
    stringFlag('format', undefined, "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"),
    boolFlag('no-trunc', undefined, "Don't truncate output"),
    boolFlag('quiet', 'q', 'Only show image IDs'),
    boolFlag('tree', undefined, 'List multi-platform images as a tree (EXPERIMENTAL)'),
  ],
  args: { max: 1 },
  async run(ctx, flags) {
    const filters = [...flags.list('filter')];
    if (flags.args[0]) filters.push(`reference=${flags.args[0]}`);
    const images = await ctx.client().json<ImageSummary[]>('GET', '/images/json', {
      query: { all: flags.bool('all'), filters: encodeFilters(filters) },
    });
    const digests = flags.bool('digests');
    const rows = imageRows(images, { trunc: !flags.bool('no-trunc'), digests });
    ctx.stdout.write(
      formatRows(rows, {
        format: flags.string('format'),
        defaultTable: digests ? DEFAULT_IMAGES_DIGEST_TABLE : DEFAULT_IMAGES_TABLE,
        quiet: flags.bool('quiet'),
        headers: IMAGE_HEADERS,
      }),
    );
    return 0;
  },
};
