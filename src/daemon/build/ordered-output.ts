/**
 * The output of build stages that run at the same time, shown in stage order: the earliest unfinished stage
 * streams live, later stages' messages are held until every stage before them has finished. The classic
 * `Step N/M` stream thus reads as if the stages had run one after another.
 */
export interface BuildOutput {
  write(message: object): void;
}

export class OrderedOutput {
  private readonly sink: BuildOutput;
  private readonly order: readonly number[];
  private readonly held = new Map<number, object[]>();
  private readonly finished = new Set<number>();
  private current = 0;

  constructor(sink: BuildOutput, order: readonly number[]) {
    this.sink = sink;
    this.order = order;
  }

  /** Where stage `stage` writes. */
  channel(stage: number): BuildOutput {
    return {
      write: (m) => {
        if (this.order[this.current] === stage) this.sink.write(m);
        else (this.held.get(stage) ?? this.held.set(stage, []).get(stage)!).push(m);
      },
    };
  }

  /** Stage `stage` is done: the next stages' held output goes out. */
  finish(stage: number): void {
    this.finished.add(stage);
    while (this.current < this.order.length && this.finished.has(this.order[this.current]!)) {
      this.current++;
      this.release(this.order[this.current]);
    }
  }

  /** After a failure: everything held, in stage order. */
  flushAll(): void {
    for (; this.current < this.order.length; this.current++) this.release(this.order[this.current]);
  }

  private release(stage: number | undefined): void {
    if (stage === undefined) return;
    for (const m of this.held.get(stage) ?? []) this.sink.write(m);
    this.held.delete(stage);
  }
}
