import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzFor } from '../fuzz/budget.ts';
import { TARGETS } from '../fuzz/targets/index.ts';

// The fuzzing harness (npm run fuzz) on a short budget per target: fresh seeds each run, so over
// many runs of the suite it covers more; a failure names the seed and path that replay it.
const MS = Number(process.env.FUZZ_MS ?? 1000);

for (const target of Object.keys(TARGETS)) {
  test(`fuzz ${target}: random and hostile operations, shadow model, check() each step, baseline agrees`, { timeout: MS + 30_000 }, () => {
    const r = fuzzFor(target, MS);
    assert.equal(r.failure, undefined, r.failure);
    assert.ok(r.calls > 100, `only ${r.calls} calls ran`);
  });
}
