/**
 * `berth stats [--no-stream] [-a] [CONTAINER...]`: a live table of CPU, memory, network, block I/O and pids.
 * --no-stream asks each container for one sample (the daemon pairs it with one taken a second before, so
 * CPU % is meaningful) and prints the table once; otherwise each container's stream updates its row and the
 * table is redrawn every half second.
 */
import type { CommandDefinition } from '../../command.ts';
import type { ContainerSummary } from '../../../client/types.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { formatRows } from '../../format/formatter.ts';
import { JsonLinesDecoder } from '../../../lib/streams/json-lines.ts';
import { DEFAULT_STATS_TABLE, STATS_HEADERS, StatsRow, type StatsJson } from './stats-row.ts';

export const statsCommand: CommandDefinition = {
  usage: '[OPTIONS] [CONTAINER...]',
  description: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    boolFlag('all', 'a', 'Show all containers (default shows just running)'),
    stringFlag('format', undefined, "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"),
    boolFlag('no-stream', undefined, 'Disable streaming stats and only pull the first result'),
    boolFlag('no-trunc', undefined, 'Do not truncate output'),
  ],
  async run(ctx, flags) {
    const client = ctx.client();
    const named = flags.args.length > 0;
    const refs = named
      ? flags.args
      : (await client.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: flags.bool('all') } })).map((c) => c.Id);
    const trunc = !flags.bool('no-trunc');
    const render = (rows: StatsRow[]) => formatRows(rows, { format: flags.string('format'), defaultTable: DEFAULT_STATS_TABLE, headers: STATS_HEADERS });
    if (flags.bool('no-stream')) {
      const samples = await Promise.all(refs.map((ref) => client.json<StatsJson>('GET', `/containers/${encodeURIComponent(ref)}/stats`, { query: { stream: '0' } })));
      ctx.stdout.write(render(samples.map((s, i) => new StatsRow(s, { container: named ? refs[i] : s.id.slice(0, 12), trunc }))));
      return 0;
    }
    const latest = new Map<string, StatsRow>();
    await Promise.all(refs.map(async (ref) => {
      const res = await client.request('GET', `/containers/${encodeURIComponent(ref)}/stats`, { query: { stream: true } });
      const decoder = new JsonLinesDecoder((v) => {
        const s = v as StatsJson;
        latest.set(ref, new StatsRow(s, { container: named ? ref : s.id.slice(0, 12), trunc }));
      });
      res.on('data', (chunk: Buffer) => decoder.push(chunk));
    }));
    const draw = () => {
      const rows = refs.map((r) => latest.get(r)).filter((r): r is StatsRow => !!r);
      ctx.stdout.write(`${ctx.stdout.isTTY ? '\u001b[2J\u001b[H' : ''}${render(rows)}`);
    };
    await new Promise<never>(() => setInterval(draw, 500));
    return 0;
  },
};
