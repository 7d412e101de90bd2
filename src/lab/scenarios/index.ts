import type { Scenario } from '../scenario.ts';

/**
 * Every built-in scenario, in the order `kalloc lab` runs them. A module that adds a scenario
 * adds one line here.
 */
export const scenarios: Scenario<unknown>[] = [];

export function findScenario(name: string): Scenario<unknown> | undefined {
  return scenarios.find((s) => s.name === name);
}
