/**
 * Go text/tabwriter as docker's formatter configures it (minwidth 10, tabwidth 1, padding 3, pad with spaces):
 * cells are terminated by '\t'; each column is as wide as its widest cell plus padding, at least minwidth; the text
 * after a line's last tab is not aligned.
 */
export interface TabWriterOptions { minWidth: number; padding: number }

export const DOCKER_TABLE: TabWriterOptions = { minWidth: 10, padding: 3 };

const displayWidth = (s: string) => [...s].length;

export function alignColumns(text: string, o: TabWriterOptions = DOCKER_TABLE): string {
  const lines = text.split('\n');
  const rows = lines.map((line) => line.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) {
    for (let j = 0; j < cells.length - 1; j++) {
      widths[j] = Math.max(widths[j] ?? o.minWidth, displayWidth(cells[j]) + o.padding);
    }
  }
  return rows
    .map((cells) =>
      cells.map((cell, j) => (j < cells.length - 1 ? cell + ' '.repeat(widths[j] - displayWidth(cell)) : cell)).join(''),
    )
    .join('\n');
}

/** docker top: tabwriter.NewWriter(out, 20, 1, 3, ' ', 0). */
export const TOP_TABLE: TabWriterOptions = { minWidth: 20, padding: 3 };
