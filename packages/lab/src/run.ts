import { findScenario, scenarios } from './scenarios/index.ts';
import { machineInfo, type ClaimResult, type LabResults, type ScenarioResult } from './results.ts';
import type { ClaimOutcome, Scenario, ScenarioOutcome } from './scenario.ts';
import { allMet } from './kit/claims.ts';
import { KallocError } from 'kalloc';

export interface LabOptions {
  names?: string[];
  quick?: boolean;
  /** Use the scenarios' largest parameters (params.max) where they have them. */
  full?: boolean;
  /** Called before each scenario and as it reports progress. */
  onProgress?: (scenario: Scenario, done: number, total: number, label?: string) => void;
  onResult?: (result: ScenarioResult) => void;
}

/** Resolves scenario names (all when none are given); an unknown name is a usage error. */
export function selectScenarios(names: string[] = []): Scenario[] {
  if (names.length === 0) return scenarios;
  return names.map((name) => {
    const s = findScenario(name);
    if (!s) {
      const known = scenarios.map((x) => x.name).join(', ');
      throw new KallocError('EINVAL', `scenario = "${name}": unknown (known: ${known})`);
    }
    return s;
  });
}

/** The judged claims of an outcome: its own list, or its one claim judged by `met`. */
export function claimResults(claim: string, outcome: ScenarioOutcome): ClaimResult[] {
  // A skipped scenario (e.g. no browser with WebGPU here) measured nothing: never met.
  const claims: readonly ClaimOutcome[] = outcome.skipped !== undefined
    ? [{ text: claim, status: 'not measured', detail: `skipped: ${outcome.skipped}` }]
    : outcome.claims ?? [{ text: claim, status: outcome.met ? 'met' : 'not met', detail: outcome.verdict ?? '' }];
  return claims.map((c) => ({ text: c.text, met: c.status === 'met', status: c.status, detail: c.detail, ...(c.question ? { question: c.question } : {}) }));
}

/** Runs scenarios one after another and collects their results. */
export async function runLab(options: LabOptions = {}): Promise<LabResults> {
  const quick = options.quick ?? false;
  const selected = selectScenarios(options.names);
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    const max = !quick && options.full === true ? scenario.params.max : undefined;
    const params = quick ? scenario.params.quick : max ?? scenario.params.full;
    options.onProgress?.(scenario, 0, 1);
    const t0 = performance.now();
    const outcome = await scenario.run(params, {
      quick,
      progress: (done, total, label) => options.onProgress?.(scenario, done, total, label),
    });
    const claimText = typeof scenario.claim === 'function' ? scenario.claim(params) : scenario.claim;
    const claims = claimResults(claimText, outcome);
    const result: ScenarioResult = {
      name: scenario.name,
      claim: claimText,
      met: allMet(claims),
      figures: outcome.figures,
      claims,
      ...(outcome.excluded?.length ? { excluded: outcome.excluded } : {}),
      title: scenario.title,
      verdict: outcome.verdict ?? claims.map((c) => c.detail).join('; '),
      designs: scenario.designs,
      metrics: scenario.metrics,
      parameters: scenario.describe(params),
      command: `npx kalloc lab ${scenario.name}${quick ? ' --quick' : max !== undefined ? ' --full' : ''}`,
      seconds: (performance.now() - t0) / 1000,
      ...(outcome.charts ? { charts: outcome.charts } : {}),
      ...(outcome.maps ? { maps: outcome.maps } : {}),
      ...(outcome.notes ? { notes: outcome.notes } : {}),
      ...(outcome.skipped !== undefined ? { met: false, skipped: outcome.skipped } : {}),
    };
    results.push(result);
    options.onResult?.(result);
  }
  return { version: 1, machine: machineInfo(), date: new Date().toISOString(), scenarios: results };
}
