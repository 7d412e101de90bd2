import { fuzz } from './harness.ts';
import { rangeTarget } from './targets/range.ts';
import { buddyTarget } from './targets/buddy.ts';
for (const t of [rangeTarget, buddyTarget]) console.log(fuzz(t as never, { numRuns: 100 }));
