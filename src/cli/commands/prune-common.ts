/** What docker's prune commands share: the --filter/--force flags, the confirmation, the "Deleted X:" sections. */
import type { CliContext } from '../command.ts';
import { StatusError } from '../command.ts';
import { boolFlag, listFlag, type FlagSpec } from '../flags/flag-spec.ts';
import type { ParsedFlags } from '../flags/parse-flags.ts';
import { confirm } from '../prompt.ts';

export const forceFlag: FlagSpec = boolFlag('force', 'f', 'Do not prompt for confirmation');

export function filterFlag(example: string): FlagSpec {
  return listFlag('filter', undefined, `Provide filter values (e.g. "${example}")`, { valueName: 'filter' });
}

/** Unless --force, asks; anything but yes ends the command with status 1 and no further output. */
export async function confirmPrune(ctx: CliContext, flags: ParsedFlags, warning: string): Promise<void> {
  if (!flags.bool('force') && !(await confirm(ctx, warning))) throw new StatusError('', 1);
}

/** "Deleted Containers:\n<id>\n...\n\n", or '' when nothing went. */
export function deletedSection(title: string, items: readonly string[] | null | undefined): string {
  return items?.length ? `${title}:\n${items.map((i) => `${i}\n`).join('')}\n` : '';
}
