import os from 'node:os';
import type { Scenario, ScenarioOutcome } from './scenario.ts';

/** results.json and `kalloc lab --json`, as fixed by DESIGN.md (version 1), plus report extras. */
export interface LabResults {
  version: 1;
  machine: { cpu: string; cores: number; node: string };
  date: string;
  scenarios: ScenarioResult[];
}

export interface ScenarioResult {
  name: string;
  claim: string;
  met: boolean;
  figures: Record<string, Record<string, number>>;
  // Beyond the fixed shape: what the report needs to render and reproduce the figures.
  title: string;
  verdict: string;
  designs: string[];
  metrics: Scenario['metrics'];
  parameters: string;
  command: string;
  seconds: number;
  charts?: ScenarioOutcome['charts'];
  maps?: ScenarioOutcome['maps'];
  notes?: string[];
  /** Why the scenario did not run (it is then not met). */
  skipped?: string;
}

export function machineInfo(): LabResults['machine'] {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, node: process.version };
}
