/** `berth system df [-v] [--format]`: the /system/df summary (or per-object tables with -v), as docker prints it. */
import type { CommandDefinition } from '../../command.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { formatRows } from '../../format/formatter.ts';
import { humanSize, timeAgo } from '../../format/units.ts';
import { truncateId } from '../../format/container-row.ts';
import { splitRepoTag } from '../../format/image-row.ts';

interface DiskUsage {
  LayersSize: number;
  Images: { Id: string; RepoTags: string[] | null; Created: number; Size: number; SharedSize: number; Containers: number }[] | null;
  Containers: { Id: string; Image: string; Command: string; Mounts: unknown[] | null; SizeRw?: number; State: string; Created: number; Status: string; Names: string[] }[] | null;
  Volumes: { Name: string; UsageData?: { Size: number; RefCount: number } | null }[] | null;
  BuildCache: { ID: string; Type: string; Size: number; CreatedAt: string; LastUsedAt: string | null; UsageCount: number; Shared: boolean; InUse: boolean }[] | null;
}

const HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
const DEFAULT_TABLE = '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';

function reclaimable(size: number, free: number): string {
  return size > 0 ? `${humanSize(free)} (${Math.floor((free * 100) / size)}%)` : humanSize(free);
}

/** The four summary rows, computed as docker's formatter does. */
function summary(du: DiskUsage): Record<string, string>[] {
  const images = du.Images ?? [];
  const used = images.filter((i) => i.Containers > 0 && i.SharedSize >= 0).reduce((n, i) => n + i.Size - i.SharedSize, 0);
  const containers = du.Containers ?? [];
  const cSize = containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const cFree = containers.filter((c) => c.State !== 'running' && c.State !== 'paused' && c.State !== 'restarting').reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const volumes = du.Volumes ?? [];
  const vSize = volumes.reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const vFree = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const cache = du.BuildCache ?? [];
  const bSize = cache.filter((b) => !b.Shared).reduce((n, b) => n + b.Size, 0);
  const bFree = cache.filter((b) => !b.Shared && !b.InUse).reduce((n, b) => n + b.Size, 0);
  return [
    { Type: 'Images', TotalCount: String(images.length), Active: String(images.filter((i) => i.Containers > 0).length), Size: humanSize(du.LayersSize), Reclaimable: reclaimable(du.LayersSize, du.LayersSize - used) },
    { Type: 'Containers', TotalCount: String(containers.length), Active: String(containers.filter((c) => c.State === 'running').length), Size: humanSize(cSize), Reclaimable: reclaimable(cSize, cFree) },
    { Type: 'Local Volumes', TotalCount: String(volumes.length), Active: String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), Size: humanSize(vSize), Reclaimable: reclaimable(vSize, vFree) },
    { Type: 'Build Cache', TotalCount: String(cache.length), Active: String(cache.filter((b) => b.InUse).length), Size: humanSize(bSize), Reclaimable: humanSize(bFree) },
  ];
}

function verbose(du: DiskUsage): string {
  const table = (rows: Record<string, string>[], columns: [string, string][]) =>
    formatRows(rows, { format: '', defaultTable: columns.map(([k]) => `{{.${k}}}`).join('\t'), headers: Object.fromEntries(columns) });
  const images = (du.Images ?? []).flatMap((i) => (i.RepoTags?.length ? i.RepoTags : ['<none>:<none>']).map((t) => {
    const [repo, tag] = splitRepoTag(t);
    return {
      Repository: repo, Tag: tag, ID: truncateId(i.Id), CreatedSince: timeAgo(i.Created), Size: humanSize(i.Size),
      SharedSize: i.SharedSize < 0 ? 'N/A' : humanSize(i.SharedSize), UniqueSize: i.SharedSize < 0 ? 'N/A' : humanSize(i.Size - i.SharedSize), Containers: String(i.Containers),
    };
  }));
  const containers = (du.Containers ?? []).map((c) => ({
    ID: truncateId(c.Id), Image: c.Image, Command: JSON.stringify(c.Command.length > 20 ? `${c.Command.slice(0, 19)}…` : c.Command),
    LocalVolumes: String((c.Mounts ?? []).length), Size: humanSize(c.SizeRw ?? 0), CreatedSince: timeAgo(c.Created), Status: c.Status, Names: c.Names[0]?.replace(/^\//, '') ?? '',
  }));
  const volumes = (du.Volumes ?? []).map((v) => ({ Name: v.Name, Links: String(v.UsageData?.RefCount ?? 0), Size: humanSize(Math.max(0, v.UsageData?.Size ?? 0)) }));
  const cache = (du.BuildCache ?? []).map((b) => ({
    ID: b.ID, CacheType: b.Type, Size: humanSize(b.Size), CreatedSince: timeAgo(Date.parse(b.CreatedAt) / 1000), LastUsedSince: b.LastUsedAt ? timeAgo(Date.parse(b.LastUsedAt) / 1000) : '',
    UsageCount: String(b.UsageCount), Shared: String(b.Shared),
  }));
  const cacheTotal = (du.BuildCache ?? []).reduce((n, b) => n + b.Size, 0);
  return [
    'Images space usage:\n\n', table(images, [['Repository', 'REPOSITORY'], ['Tag', 'TAG'], ['ID', 'IMAGE ID'], ['CreatedSince', 'CREATED'], ['Size', 'SIZE'], ['SharedSize', 'SHARED SIZE'], ['UniqueSize', 'UNIQUE SIZE'], ['Containers', 'CONTAINERS']]),
    '\nContainers space usage:\n\n', table(containers, [['ID', 'CONTAINER ID'], ['Image', 'IMAGE'], ['Command', 'COMMAND'], ['LocalVolumes', 'LOCAL VOLUMES'], ['Size', 'SIZE'], ['CreatedSince', 'CREATED'], ['Status', 'STATUS'], ['Names', 'NAMES']]),
    '\nLocal Volumes space usage:\n\n', table(volumes, [['Name', 'VOLUME NAME'], ['Links', 'LINKS'], ['Size', 'SIZE']]),
    `\nBuild cache usage: ${humanSize(cacheTotal)}\n\n`, table(cache, [['ID', 'CACHE ID'], ['CacheType', 'CACHE TYPE'], ['Size', 'SIZE'], ['CreatedSince', 'CREATED'], ['LastUsedSince', 'LAST USED'], ['UsageCount', 'USAGE'], ['Shared', 'SHARED']]),
  ].join('');
}

export const systemDfCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Show docker disk usage',
  flags: [
    stringFlag('format', undefined, "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"),
    boolFlag('verbose', 'v', 'Show detailed information on space usage'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const du = await ctx.client().json<DiskUsage>('GET', '/system/df');
    if (flags.bool('verbose') && !flags.string('format')) {
      ctx.stdout.write(verbose(du));
      return 0;
    }
    ctx.stdout.write(formatRows(summary(du), { format: flags.string('format'), defaultTable: DEFAULT_TABLE, headers: HEADERS }));
    return 0;
  },
};
