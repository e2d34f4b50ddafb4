/**
 * docker's --format handling: "table" (default columns with a header), "table TEMPLATE", "json" ({{json .}} per
 * line) or a raw TEMPLATE executed once per row. Literal \t and \n in the format are turned into tab and newline.
 */
import { parseTemplate, TemplateError } from './go-template.ts';
import { alignColumns } from './tab-writer.ts';
import { HEADER_FUNCTIONS } from './template-functions.ts';

export interface FormatOptions {
  /** The user's --format, or '' for the default. */
  format: string;
  /** The command's default table template, without the "table " prefix. */
  defaultTable: string;
  /** Template used for "table" when -q is given. */
  quiet?: boolean;
  /** Header text for each field name (ID → "CONTAINER ID"). */
  headers: Record<string, string>;
}

/** Renders rows; returns the complete output text (ending in a newline unless empty). */
export function formatRows(rows: readonly object[], o: FormatOptions): string {
  let format = o.format || 'table';
  if (format === 'table' && o.quiet) format = '{{.ID}}';
  if (format === 'json') format = '{{json .}}';
  const isTable = format.startsWith('table');
  let body = isTable ? (format === 'table' ? o.defaultTable : format.slice('table'.length)) : format;
  body = body.trim().replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let template;
  try {
    template = parseTemplate(body);
  } catch (err) {
    throw new TemplateError(`template parsing error: ${(err as Error).message}`);
  }
  const lines = rows.map((row) => `${template.execute(row)}\n`).join('');
  if (!isTable) return lines;
  const header = `${template.execute(headerRow(o.headers), { functions: HEADER_FUNCTIONS })}\n`;
  return alignColumns(header + lines);
}

function headerRow(headers: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, title] of Object.entries(headers)) row[field] = title;
  // docker's method fields take an argument (.Label "k"): the header is still the column title
  // docker titles a `.Label "com.x.my-key"` column by the key's last segment, "-" and "_" as spaces
  if (headers.Label) row.Label = (name: unknown) => String(name).split('.').pop()!.replace(/[-_]/g, ' ');
  return row;
}
