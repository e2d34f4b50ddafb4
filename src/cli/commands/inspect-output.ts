/**
 * docker's inspect output: without a format, one JSON array indented with 4 spaces; with -f, the template run
 * once per object. Failures for some objects are printed after the others and make the exit status 1.
 */
import type { CliContext } from '../command.ts';
import { StatusError } from '../command.ts';
import { parseTemplate } from '../format/go-template.ts';
import { errorText } from '../error-text.ts';

export async function inspectEach(
  ctx: CliContext,
  refs: readonly string[],
  format: string,
  fetchOne: (ref: string) => Promise<unknown>,
): Promise<number> {
  const template = format ? parseTemplate(format === 'json' ? '{{json .}}' : format.replace(/\\t/g, '\t').replace(/\\n/g, '\n')) : undefined;
  const found: unknown[] = [];
  const failures: string[] = [];
  for (const ref of refs) {
    try {
      const value = await fetchOne(ref);
      if (template) ctx.stdout.write(`${template.execute(value)}\n`);
      else found.push(value);
    } catch (e) {
      failures.push(errorText(e));
    }
  }
  if (!template) ctx.stdout.write(`${found.length ? JSON.stringify(found, null, 4) : '[]'}\n`);
  if (failures.length) throw new StatusError(failures.join('\n'), 1);
  return 0;
}
