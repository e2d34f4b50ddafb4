/** The local terminal during attach: raw mode (restored on exit) and resize notifications (SIGWINCH). */
import type { CliContext } from './command.ts';

export interface TerminalSession {
  restore(): void;
}

export function enterRawMode(ctx: CliContext): TerminalSession {
  const stdin = ctx.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return { restore: () => {} };
  stdin.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      stdin.setRawMode(false);
    } catch {
      // the terminal may already be gone
    }
  };
  process.once('exit', restore);
  return { restore };
}

/** Calls onResize now and on every SIGWINCH with the terminal size; returns a function that stops listening. */
export function watchTerminalSize(ctx: CliContext, onResize: (rows: number, columns: number) => void): () => void {
  const out = ctx.stdout as NodeJS.WriteStream;
  if (!out.isTTY) return () => {};
  const send = () => {
    if (out.rows && out.columns) onResize(out.rows, out.columns);
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.off('SIGWINCH', send);
}
