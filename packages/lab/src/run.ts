import { findScenario, scenarios } from './scenarios/index.ts';
import { machineInfo, type LabResults, type ScenarioResult } from './results.ts';
import type { Scenario } from './scenario.ts';
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
    const result: ScenarioResult = {
      name: scenario.name,
      claim: scenario.claim,
      met: outcome.met,
      figures: outcome.figures,
      title: scenario.title,
      verdict: outcome.verdict,
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
