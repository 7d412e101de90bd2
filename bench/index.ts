import { buddySuite } from './buddy.bench.ts';
import { ftraceSuite } from './ftrace.ts';
import { heapSuite } from './heap.bench.ts';
import { pageGigablocksSuite, pageSuite } from './page.bench.ts';
import { pcpSuite } from './pcp.bench.ts';
import { rangePeersSuite, rangeSuite } from './range.bench.ts';

/**
 * Benchmark suites by name; `npm run bench [NAME]` and `kalloc bench [NAME]` run them. A module
 * that adds a suite adds one line here.
 */
export interface BenchSuite {
  name: string;
  description: string;
  run(): Promise<void>;
}

export const suites: BenchSuite[] = [ftraceSuite, pageSuite, pageGigablocksSuite, pcpSuite, rangeSuite, rangePeersSuite, heapSuite, buddySuite];
