/** Reports progress of a long replay: ops done of total, with a label. */
export type ProgressFn = (done: number, total: number, label?: string) => void;

const CHECKPOINT = 1024; // ops between two reads of the clock (cheap next to a thousand ops)
const PROGRESS_EVERY = 65536;
const MAX_POINTS = 200; // the curve is thinned to at most this many points

/**
 * Times a replay loop and samples its cumulative time along the way, so a chart can show how
 * the cost per operation changes as the trace goes on (an O(N) search grows, a tree stays flat).
 */
export class Stopwatch {
  readonly curve: { ops: number; ms: number }[] = [];
  private readonly t0 = performance.now();

  constructor(
    private readonly total: number,
    private readonly progress?: ProgressFn,
    private readonly label?: string,
  ) {}

  /** Call after op `i`. */
  tick(i: number): void {
    if ((i + 1) % CHECKPOINT !== 0) return;
    this.curve.push({ ops: i + 1, ms: performance.now() - this.t0 });
    if (this.progress && (i + 1) % PROGRESS_EVERY === 0) this.progress(i + 1, this.total, this.label);
  }

  /** Stops the clock; returns the elapsed milliseconds and closes the curve. */
  stop(): number {
    const ms = performance.now() - this.t0;
    this.curve.push({ ops: this.total, ms });
    if (this.curve.length > MAX_POINTS) {
      const step = Math.ceil(this.curve.length / MAX_POINTS);
      const thinned = this.curve.filter((_, k) => k % step === 0 || k === this.curve.length - 1);
      this.curve.splice(0, this.curve.length, ...thinned);
    }
    return ms;
  }
}
