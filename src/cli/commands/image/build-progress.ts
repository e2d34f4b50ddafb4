/**
 * The compact live view `berth build` shows on a terminal: one line per finished step ("✔ [2/5] RUN ... 0.4s",
 * or CACHED), and for the running step a spinner line with the last few lines of its output underneath, redrawn
 * in place. It reads the same `stream` text the classic builder sends (Step N/M, " ---> ..." markers), so plain
 * output and this view never disagree. Closing lines (Successfully built/tagged) are printed as they come.
 */
const TAIL = 5;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Step { title: string; started: number; cached: boolean; output: string[] }

export class BuildProgressView {
  private readonly out: NodeJS.WritableStream;
  private readonly columns: number;
  private current: Step | undefined;
  private drawnLines = 0;
  private pending = '';
  private frame = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(out: NodeJS.WritableStream, columns = 80) {
    this.out = out;
    this.columns = Math.max(20, columns);
    this.timer = setInterval(() => this.redraw(), 100);
    this.timer.unref();
  }

  /** Feeds `stream` text from the build; whole lines are interpreted, a partial one waits for its end. */
  write(text: string): void {
    this.pending += text;
    const lines = this.pending.split('\n');
    this.pending = lines.pop()!;
    for (const line of lines) this.line(line);
    this.redraw();
  }

  /** Ends the view: the running step (if any) is shown as failed or finished. */
  close(o: { failed: boolean }): void {
    clearInterval(this.timer);
    if (this.pending) this.line(this.pending);
    if (this.current) this.finishStep(o.failed ? '✘' : '✔', o.failed);
    this.redraw();
  }

  private line(line: string): void {
    const step = /^Step (\d+\/\d+) : (.*)$/.exec(line);
    if (step) {
      if (this.current) this.finishStep('✔');
      this.current = { title: `[${step[1]}] ${step[2]}`, started: Date.now(), cached: false, output: [] };
      return;
    }
    if (this.current && line === ' ---> Using cache') { this.current.cached = true; return; }
    if (this.current && /^ ---> (Running in [0-9a-f]+|[0-9a-f]{12})$/.test(line)) return;
    if (this.current && /^Removing intermediate container /.test(line)) return;
    if (/^Successfully (built|tagged) /.test(line)) {
      if (this.current) this.finishStep('✔');
      this.print(`${line}\n`);
      return;
    }
    if (this.current) this.current.output.push(line);
    else this.print(`${line}\n`);
  }

  private finishStep(mark: string, keepOutput = false): void {
    const s = this.current!;
    this.current = undefined;
    const when = s.cached ? 'CACHED' : `${((Date.now() - s.started) / 1000).toFixed(1)}s`;
    const tail = keepOutput ? s.output.slice(-TAIL * 2).map((l) => `    ${l}\n`).join('') : '';
    this.print(`${mark} ${this.fit(s.title, when)}\n${tail}`);
  }

  /** Writes text above the live block (which is drawn again underneath). */
  private print(text: string): void {
    this.clearBlock();
    this.out.write(text);
  }

  private clearBlock(): void {
    if (this.drawnLines > 0) this.out.write(`\u001b[${this.drawnLines}A\r\u001b[J`);
    this.drawnLines = 0;
  }

  private redraw(): void {
    this.clearBlock();
    const s = this.current;
    if (!s) return;
    this.frame = (this.frame + 1) % SPINNER.length;
    const elapsed = `${((Date.now() - s.started) / 1000).toFixed(1)}s`;
    const lines = [`${SPINNER[this.frame]} ${this.fit(s.title, elapsed)}`, ...s.output.slice(-TAIL).map((l) => `\u001b[2m    ${l.slice(0, this.columns - 5)}\u001b[0m`)];
    this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  /** "title .... right", cut to the terminal width. */
  private fit(title: string, right: string): string {
    const room = this.columns - right.length - 3;
    const t = title.length > room ? `${title.slice(0, room - 1)}…` : title;
    return `${t}${' '.repeat(Math.max(1, room - t.length + 1))}${right}`;
  }
}
