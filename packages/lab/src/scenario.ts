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
  /** State name -> colour ("#rrggbb" mixes exactly where states share a pixel); states missing
   *  here get a colour from the report's palette. */
  colors?: Record<string, string>;
}

export interface ScenarioOutcome {
  /** design -> metric -> value. */
  figures: Record<string, Record<string, number>>;
  /** Whether the claim holds, computed from `figures` (never a constant). */
  met: boolean;
  /** One line with the numbers behind the verdict, e.g. "3.9x >= 3.35x on the suite". */
  verdict: string;
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
  /** The claim under test, in one sentence with its threshold. */
  claim: string;
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

