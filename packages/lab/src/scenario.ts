/**
 * What a lab scenario is: a named experiment that tests one claim by running the new design and
 * the design it replaces on the same workload, and returns the figures of each side by side.
 */

/** How a metric reads: its unit, and which direction is better (for ratios and colours). */
export interface MetricInfo {
  unit?: string; // 'ms', 'ops/s', 'bytes', 'blocks', ... ('' for a plain count)
  better?: 'lower' | 'higher'; // omitted: informational, no ratio is shown
  description?: string;
}

/** A time series or bar chart the report renders (x may be a number or a category). */
export interface Chart {
  title: string;
  kind: 'line' | 'bar';
  x: string; // axis title
  y: string; // axis title
  points: { series: string; x: number | string; y: number }[];
  logY?: boolean;
  /** Fixed y range (e.g. [-1, 1] for an index); default: fitted to the data. */
  yDomain?: [number, number];
}

/**
 * An address strip: [start, end) of one design's space, in segments of a named state.
 * The report draws it to scale, merging segments narrower than a pixel.
 */
export interface MemoryMap {
  title: string;
  design: string;
  unit: 'bytes' | 'pages';
  start: number;
  end: number;
  segments: { start: number; end: number; state: string }[];
  /** The kernel address of offset 0 ("0xffffc90000000000"), for a kernel address space: the
   *  map then labels positions as kernel addresses instead of offsets. */
  origin?: string;
  /** State name -> colour ("#rrggbb" mixes exactly where states share a pixel); states missing
   *  here get a colour from the report's palette. */
  colors?: Record<string, string>;
}

/**
 * A claim's verdict. Only `met` counts as holding: `not measured` (no data to judge, e.g. 0 vs 0)
 * and `too noisy` (repeated timings straddle the threshold too widely to decide) never do.
 */
export type ClaimStatus = 'met' | 'not met' | 'not measured' | 'too noisy';

/**
 * The reviewer's question a claim answers (the review scenarios): the report's Review section
 * lists each with its thread, the answer and the chart behind it.
 */
export interface ReviewQuestion {
  /** The review thread, named (list, date, reviewer). */
  thread: string;
  /** The question in the lab's words (a paraphrase of the reviewers'). */
  question: string;
  /** The answer in one sentence, from the figures. */
  answer: string;
  /** Title of the chart behind the answer, if one of the scenario's charts shows it. */
  chart?: string;
}

/** One claim of a scenario, judged from the scenario's own figures. */
export interface ClaimOutcome {
  /** The claim in one sentence with its threshold and the parameters actually run. */
  text: string;
  status: ClaimStatus;
  /** The numbers behind the status, e.g. "3.9x (median of 3, 3.5x-4.1x) >= 3.35x". */
  detail: string;
  /** The reviewer's question the claim answers (review scenarios). */
  question?: ReviewQuestion;
}

/** A claim left out of this run because the run is below the size it needs, and why. */
export interface ExcludedClaim {
  text: string;
  /** E.g. "applies from 8 GiB (this run: 256 MiB): ..." */
  reason: string;
  question?: ReviewQuestion;
}

export interface ScenarioOutcome {
  /** design -> metric -> value. */
  figures: Record<string, Record<string, number>>;
  /**
   * The claims this run judged (a scenario may hold several; it is met when all are). A scenario
   * without `claims` judges its one `claim` with `met`.
   */
  claims?: ClaimOutcome[];
  /** Claims that do not apply at this run's size. */
  excluded?: ExcludedClaim[];
  /** Whether the single claim holds, computed from `figures` (never a constant); without `claims`. */
  met?: boolean;
  /** One line with the numbers behind the verdict, e.g. "3.9x >= 3.35x on the suite";
   *  by default the claims' details. */
  verdict?: string;
  /** Why the scenario could not run here (e.g. no browser with WebGPU): a skip is never met. */
  skipped?: string;
  charts?: Chart[];
  maps?: MemoryMap[];
  notes?: string[];
}

export interface RunContext {
  quick: boolean;
  /** Reports progress of long work; the CLI shows it as a bar on a TTY. */
  progress(done: number, total: number, label?: string): void;
}

export interface Scenario<P = unknown> {
  name: string;
  title: string;
  /** The claim under test, in one sentence with its threshold; a function when its text names the
   *  parameters run (sizes, counts), so that --quick states what it actually tested. */
  claim: string | ((params: P) => string);
  /** Designs in display order: the new design first, then the baseline it replaces, then peers. */
  designs: string[];
  metrics: Record<string, MetricInfo>;
  /** `full`: the default run; `quick`: --quick; `max` (optional): --full, the largest run. */
  params: { full: P; quick: P; max?: P };
  /** What the parameters mean, for the report's "how to reproduce" line. */
  describe(params: P): string;
  run(params: P, ctx: RunContext): ScenarioOutcome | Promise<ScenarioOutcome>;
}

/** Lets a module export a typed scenario while the registry holds them uniformly. */
export function defineScenario<P>(scenario: Scenario<P>): Scenario<unknown> {
  return scenario as unknown as Scenario<unknown>;
}

