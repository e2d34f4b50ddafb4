/**
 * docker's pattern for stop/kill/rm/pause...: act on each argument in turn, print the argument on success,
 * collect failures, print them all and exit 1 if any failed.
 */
import type { CliContext } from '../command.ts';
import { StatusError } from '../command.ts';
import { errorText } from '../error-text.ts';

export async function forEachRef(
  ctx: CliContext,
  refs: readonly string[],
  action: (ref: string) => Promise<string | void>,
): Promise<number> {
  const failures: string[] = [];
  for (const ref of refs) {
    try {
      const printed = await action(ref);
      ctx.stdout.write(`${printed ?? ref}\n`);
    } catch (e) {
      failures.push(errorText(e));
    }
  }
  if (failures.length) throw new StatusError(failures.join('\n'), 1);
  return 0;
}
