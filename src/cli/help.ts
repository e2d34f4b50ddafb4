/** --help output in docker's layout: Usage, description, Aliases, Options (descriptions wrapped as pflag does). */
import type { FlagSpec } from './flags/flag-spec.ts';
import type { CommandDefinition } from './command.ts';

const WRAP_AT = 74;

function flagLabel(spec: FlagSpec): string {
  const head = spec.short ? `  -${spec.short}, --${spec.long}` : `      --${spec.long}`;
  const value = spec.type === 'bool' ? '' : ` ${spec.valueName ?? spec.type}`;
  return head + value;
}

function flagText(spec: FlagSpec): string {
  const d = spec.default;
  if (d === undefined || d === false || d === '' || d === 0) return spec.help;
  return `${spec.help} (default ${typeof d === 'string' ? `"${d}"` : d})`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function formatOptions(flags: readonly FlagSpec[]): string {
  const visible = flags.filter((f) => !f.hidden);
  const labels = visible.map(flagLabel);
  const column = Math.max(...labels.map((l) => l.length)) + 3;
  return visible
    .map((spec, i) => {
      const [first, ...rest] = wrap(flagText(spec), Math.max(20, WRAP_AT - column));
      return [labels[i].padEnd(column) + first, ...rest.map((l) => ' '.repeat(column) + l)].join('\n');
    })
    .join('\n');
}

export function commandHelp(def: CommandDefinition, commandPath: string, aliases: string[]): string {
  const parts = [`Usage:  ${commandPath} ${def.usage}`, def.description];
  if (aliases.length > 1) parts.push(`Aliases:\n  ${aliases.join(', ')}`);
  if (def.flags.some((f) => !f.hidden)) parts.push(`Options:\n${formatOptions(def.flags)}`);
  return `${parts.join('\n\n')}\n`;
}
