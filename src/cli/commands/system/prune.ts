/** `berth system prune [-a] [--volumes] [--filter]`: containers, networks, (volumes,) images and build cache, as docker. */
import type { CommandDefinition } from '../../command.ts';
import type { ImagePruneReport } from '../../../client/types.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { humanSize } from '../../format/units.ts';
import { confirmPrune, deletedSection, filterFlag, forceFlag } from '../prune-common.ts';
import { pruneContainers } from '../container/prune.ts';
import { pruneNetworks } from '../network/prune.ts';
import { pruneVolumes } from '../volume/prune.ts';
import { imagePruneLines } from '../image/prune.ts';

function warning(all: boolean, volumes: boolean): string {
  return [
    'WARNING! This will remove:',
    '  - all stopped containers',
    '  - all networks not used by at least one container',
    ...(volumes ? ['  - all anonymous volumes not used by at least one container'] : []),
    all ? '  - all images without at least one container associated to them' : '  - all dangling images',
    all ? '  - all build cache' : '  - unused build cache',
    '',
  ].join('\n');
}

export const systemPruneCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Remove unused data',
  flags: [
    boolFlag('all', 'a', 'Remove all unused images not just dangling ones'),
    filterFlag('label=<key>=<value>'),
    forceFlag,
    boolFlag('volumes', undefined, 'Prune anonymous volumes'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    const volumes = flags.bool('volumes');
    const filters = flags.list('filter');
    if (volumes && filters.some((f) => f.startsWith('until='))) throw new Error('ERROR: The "until" filter is not supported with "--volumes"');
    await confirmPrune(ctx, flags, warning(all, volumes));
    let reclaimed = 0;
    let out = '';
    const containers = await pruneContainers(ctx, filters);
    out += containers.text;
    reclaimed += containers.reclaimed;
    out += await pruneNetworks(ctx, filters);
    if (volumes) {
      const v = await pruneVolumes(ctx, filters);
      out += v.text;
      reclaimed += v.reclaimed;
    }
    const images = await ctx.client().json<ImagePruneReport>('POST', '/images/prune', { query: { filters: encodeFilters([...filters, `dangling=${!all}`]) } });
    out += deletedSection('Deleted Images', imagePruneLines(images));
    reclaimed += images.SpaceReclaimed ?? 0;
    const cache = await ctx.client().json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', { query: { all, filters: encodeFilters(filters) } });
    out += deletedSection('Deleted build cache objects', cache.CachesDeleted);
    reclaimed += cache.SpaceReclaimed ?? 0;
    ctx.stdout.write(`${out}Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
