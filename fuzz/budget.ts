import { fuzz, type RunResult } from './harness.ts';
import { TARGETS } from './targets/index.ts';

export interface BudgetResult {
  target: string;
  seeds: number[];
  sequences: number;
  calls: number;
  failure?: string;
}

/**
 * Runs `target` with fresh seeds, `batch` sequences per seed, until `ms` have passed or one
 * fails (a failure stops that target: its report has the seed and path to replay).
 */
export function fuzzFor(target: string, ms: number, batch = 20): BudgetResult {
  const t = TARGETS[target];
  if (!t) throw new Error(`unknown fuzz target ${target} (known: ${Object.keys(TARGETS).join(', ')})`);
  const out: BudgetResult = { target, seeds: [], sequences: 0, calls: 0 };
  const end = performance.now() + ms;
  do {
    const r: RunResult = fuzz(t, { numRuns: batch });
    out.seeds.push(r.seed);
    out.sequences += r.runs;
    out.calls += r.calls;
    if (r.failure) {
      out.failure = r.failure;
      break;
    }
  } while (performance.now() < end);
  return out;
}
