/** docker events: stream GET /events and print each event (default line format or --format template). */
import type { CommandDefinition } from '../../command.ts';
import type { EventMessage } from '../../../client/types.ts';
import { JsonLinesDecoder } from '../../../lib/streams/json-lines.ts';
import { listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { encodeFilters } from '../../filters.ts';
import { parseTemplate } from '../../format/go-template.ts';
import { toTimestamp } from '../../timestamps.ts';

/** jsonmessage.RFC3339NanoFixed in local time: 2006-01-02T15:04:05.000000000Z07:00 */
export function rfc3339NanoFixed(timeNano: bigint): string {
  const ms = Number(timeNano / 1_000_000n);
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const nanos = String(timeNano % 1_000_000_000n).padStart(9, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${nanos}${zone}`;
}

export function formatEventLine(e: EventMessage): string {
  const nano = e.timeNano !== undefined ? BigInt(e.timeNano) : BigInt(e.time ?? 0) * 1_000_000_000n;
  const attrs = Object.entries(e.Actor?.Attributes ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  return `${rfc3339NanoFixed(nano)} ${e.Type} ${e.Action} ${e.Actor?.ID ?? ''}${attrs.length ? ` (${attrs.join(', ')})` : ''}`;
}

export const eventsCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Get real time events from the server',
  flags: [
    listFlag('filter', 'f', 'Filter output based on conditions provided', { valueName: 'filter' }),
    stringFlag('format', undefined, "Format output using a custom template: 'json' or 'TEMPLATE'"),
    stringFlag('since', undefined, 'Show all events created since timestamp'),
    stringFlag('until', undefined, 'Stream events until this timestamp'),
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const format = flags.string('format');
    const template = format ? parseTemplate(format === 'json' ? '{{json .}}' : format) : undefined;
    const res = await ctx.client().request('GET', '/events', {
      query: {
        since: flags.string('since') ? toTimestamp(flags.string('since')) : undefined,
        until: flags.string('until') ? toTimestamp(flags.string('until')) : undefined,
        filters: encodeFilters(flags.list('filter')),
      },
    });
    const decoder = new JsonLinesDecoder((v) => {
      const e = v as EventMessage;
      ctx.stdout.write(`${template ? template.execute(e) : formatEventLine(e)}\n`);
    });
    for await (const chunk of res) decoder.push(chunk as Buffer);
    decoder.end();
    return 0;
  },
};
