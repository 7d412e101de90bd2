/**
 * Benchmark suites by name; `npm run bench [NAME]` and `kalloc bench [NAME]` run them. A module
 * that adds a suite adds one line here.
 */
export interface BenchSuite {
  name: string;
  description: string;
  run(): Promise<void>;
}

export const suites: BenchSuite[] = [];
