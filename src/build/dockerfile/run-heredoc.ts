/**
 * How a RUN with heredocs becomes a process, as BuildKit's dockerfile2llb dispatchRun does:
 * - `RUN <<EOF` alone: the body is the script; with a `#!` shebang it is written to a file
 *   (`/dev/pipes/<name>`, mode 0755) and executed, otherwise it is passed to the shell as its command string;
 * - anything more complex (`RUN cat <<A <<B > f`): the heredocs are put back after the line and the shell,
 *   which understands heredocs, runs the whole text.
 */
import type { ParseWarning } from './parser.ts';
import { chompHeredocContent, EMPTY_CONTINUATION_FOOTER, parseHeredoc } from './parser.ts';
import type { CmdInstruction, EntrypointInstruction, RunInstruction } from './instructions.ts';

export interface RunProcess {
  /** argv when `prependShell` is false; else the single command string to give to SHELL (default /bin/sh -c). */
  args: string[];
  prependShell: boolean;
  /** Files to mount read-only at `/dev/pipes/` before running (the shebang case). */
  pipeFiles: { name: string; data: string; mode: number }[];
}

export function runProcess(run: Pick<RunInstruction | CmdInstruction | EntrypointInstruction, 'cmdLine' | 'prependShell' | 'files'>): RunProcess {
  const args = run.cmdLine ?? [];
  if (run.files.length === 0) return { args: [...args], prependShell: run.prependShell, pipeFiles: [] };
  if (args.length !== 1 || !run.prependShell) throw new Error(`parsing produced an invalid run command: [${args.join(' ')}]`);
  let single;
  try { single = parseHeredoc(args[0]!); } catch { single = undefined; }
  if (single) {
    const f = run.files[0]!;
    const data = f.chomp ? chompHeredocContent(f.data) : f.data;
    if (data.startsWith('#!')) {
      return { args: [`/dev/pipes/${f.name}`], prependShell: false, pipeFiles: [{ name: f.name, data, mode: 0o755 }] };
    }
    return { args: [data], prependShell: true, pipeFiles: [] };
  }
  let text = args[0]!;
  for (const f of run.files) text += '\n' + f.data + f.name;
  return { args: [text], prependShell: true, pipeFiles: [] };
}

/** The lines Docker prints on stderr for parser warnings (moby Result.PrintWarnings). */
export function formatWarnings(warnings: readonly ParseWarning[]): string[] {
  if (warnings.length === 0) return [];
  return [...warnings.map((w) => `[WARNING]: ${w.short}`), `[WARNING]: ${EMPTY_CONTINUATION_FOOTER}`];
}
