import type { ClaimOutcome, ClaimStatus, ExcludedClaim } from '../scenario.ts';
import { formatRatio } from '../format.ts';
import { median } from './stats.ts';

/**
 * How claims are judged, the same way in every scenario:
 * - a claim over no data (nothing allowed, nothing failed, 0 vs 0) is "not measured", never met;
 * - a timing claim is decided on the median of repetitions interleaved in one run, and is "too
 *   noisy" when the repetitions disagree about the threshold and spread wider than NOISY_SPREAD.
 */

/** Largest max/min of repeated ratios that still lets the median decide across the threshold. */
export const NOISY_SPREAD = 1.5;

/** A claim decided by a plain condition; `undefined` means there was nothing to judge. */
export function judge(text: string, holds: boolean | undefined, detail: string): ClaimOutcome {
  const status: ClaimStatus = holds === undefined ? 'not measured' : holds ? 'met' : 'not met';
  return { text, status, detail };
}

/** The spread of repeated ratios: median, min and max. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function spreadOf(samples: readonly number[]): Spread {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

/** "3.90x (median of 5, 3.52x-4.10x)", or just "3.90x" for one sample. */
export function formatSpread(s: Spread): string {
  if (s.samples.length <= 1) return formatRatio(s.median);
  return `${formatRatio(s.median)} (median of ${s.samples.length}, ${formatRatio(s.min)}-${formatRatio(s.max)})`;
}

/**
 * A ">= threshold" claim on repeated ratios. Met or not met when every repetition agrees; when
 * they straddle the threshold the median decides, unless the spread (max/min) is wider than
 * NOISY_SPREAD: then the machine was too noisy to decide.
 */
export function judgeRatio(text: string, ratios: readonly number[], threshold: number, what = ''): ClaimOutcome {
  const usable = ratios.filter((r) => Number.isFinite(r) && r > 0);
  if (usable.length === 0) return { text, status: 'not measured', detail: `${what}no timing to compare`.trim() };
  const s = spreadOf(usable);
  const detail = `${what}${formatSpread(s)} ${s.median >= threshold ? '>=' : '<'} ${formatRatio(threshold)}`;
  let status: ClaimStatus;
  if (s.min >= threshold) status = 'met';
  else if (s.max < threshold) status = 'not met';
  else if (s.max / s.min > NOISY_SPREAD) status = 'too noisy';
  else status = s.median >= threshold ? 'met' : 'not met';
  return { text, status, detail: status === 'too noisy' ? `${detail}: the repetitions straddle the threshold, spread ${formatRatio(s.max / s.min)}` : detail };
}

/**
 * A claim that holds when every part does: not met when any part is not met; otherwise not
 * measured, then too noisy, when any part is; met when all are. The parts' details are joined.
 */
export function judgeAll(text: string, parts: readonly ClaimOutcome[]): ClaimOutcome {
  const worst = (['not met', 'not measured', 'too noisy'] as const).find((s) => parts.some((p) => p.status === s));
  return { text, status: parts.length === 0 ? 'not measured' : worst ?? 'met', detail: parts.map((p) => p.detail).join('; ') };
}

/**
 * Runs each of `runs` `reps` times, interleaved (A B, B A, A B, ...) so that load from elsewhere
 * on the machine hits every design alike; returns each run's results in repetition order.
 */
export function interleave<T>(reps: number, runs: readonly ((rep: number) => T)[]): T[][] {
  const out: T[][] = runs.map(() => []);
  for (let rep = 0; rep < reps; rep++) {
    const order = runs.map((_, i) => i);
    if (rep % 2 === 1) order.reverse();
    for (const i of order) out[i]!.push(runs[i]!(rep));
  }
  return out;
}

/** Per-repetition ratios a[i] / b[i]. */
export const ratios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / b[i]!);

/** A claim that applies only from `minimum` on: undefined (it applies) or why it is excluded. */
export function appliesFrom(text: string, size: number, minimum: number, describe: (n: number) => string, why: string): ExcludedClaim | undefined {
  if (size >= minimum) return undefined;
  return { text, reason: `applies from ${describe(minimum)} (this run: ${describe(size)}): ${why}` };
}

/** Whether a scenario's claims all hold (a scenario with none judged does not). */
export const allMet = (claims: readonly ClaimOutcome[]): boolean => claims.length > 0 && claims.every((c) => c.status === 'met');
