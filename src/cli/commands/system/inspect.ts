import type { CommandDefinition } from '../../command.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { isApiError } from '../../../client/api-error.ts';
import type { EngineClient } from '../../../client/engine-client.ts';
import { inspectEach } from '../inspect-output.ts';

const ENDPOINTS: Record<string, (ref: string, size: boolean) => [string, Record<string, boolean>]> = {
  container: (ref, size) => [`/containers/${encodeURIComponent(ref)}/json`, { size }],
  image: (ref) => [`/images/${encodeURIComponent(ref)}/json`, {}],
  network: (ref) => [`/networks/${encodeURIComponent(ref)}`, {}],
  volume: (ref) => [`/volumes/${encodeURIComponent(ref)}`, {}],
};

async function inspectAny(client: EngineClient, ref: string, type: string, size: boolean): Promise<unknown> {
  const types = type ? [type] : Object.keys(ENDPOINTS);
  for (const t of types) {
    const [path, query] = ENDPOINTS[t](ref, size);
    try {
      return await client.json('GET', path, { query });
    } catch (e) {
      if (!(isApiError(e) && e.status === 404)) throw e;
    }
  }
  throw new Error(`Error: No such ${type || 'object'}: ${ref}`);
}

export const inspectCommand: CommandDefinition = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on Docker objects',
  flags: [
    stringFlag('format', 'f', 'Format output using a custom template'),
    boolFlag('size', 's', 'Display total file sizes if the type is container'),
    stringFlag('type', undefined, 'Only inspect objects of the given type'),
  ],
  args: { min: 1 },
  async run(ctx, flags) {
    const type = flags.string('type');
    if (type && !ENDPOINTS[type]) throw new Error(`"${type}" is not a valid value for --type`);
    return inspectEach(ctx, flags.args, flags.string('format'), (ref) => inspectAny(ctx.client(), ref, type, flags.bool('size')));
  },
};
