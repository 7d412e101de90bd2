import os from 'node:os';
import type { ClaimStatus, ExcludedClaim, ReviewQuestion, Scenario, ScenarioOutcome } from './scenario.ts';

/** results.json and `kalloc lab --json`, as fixed by DESIGN.md (version 1), plus report extras. */
export interface LabResults {
  version: 1;
  machine: { cpu: string; cores: number; node: string };
  date: string;
  scenarios: ScenarioResult[];
}

/** One judged claim: `met` is true only for status 'met'. */
export interface ClaimResult {
  text: string;
  met: boolean;
  status: ClaimStatus;
  detail: string;
  /** The reviewer's question the claim answers (review scenarios). */
  question?: ReviewQuestion;
}

export interface ScenarioResult {
  name: string;
  claim: string;
  /** True when every claim judged in this run holds (and at least one was judged). */
  met: boolean;
  figures: Record<string, Record<string, number>>;
  claims: ClaimResult[];
  /** Claims that do not apply at the size run, with the size they need. */
  excluded?: ExcludedClaim[];
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
