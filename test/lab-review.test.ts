/**
 * The review scenarios' workloads, run small: what each one counts is what its design does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleCostMessage } from '../packages/lab/src/workloads/gigablock-cost.ts';

test('review-gigablocks cost run: the blind search visits gigablocks, the index none; both zones pass check()', () => {
  const params = { gigablocks: 16, order: 10, steps: 2000, rounds: 2, seed: 3 };
  const visited = ['gigablocks', 'gigablocks-blind'].map((design) => {
    const filled = handleCostMessage({ op: 'fill', design, params });
    const round = handleCostMessage({ op: 'round', steps: 1000 });
    assert.ok(round.ms >= 0);
    return handleCostMessage({ op: 'check' }).searched - filled.searched;
  });
  assert.equal(visited[0], 0);
  assert.ok(visited[1]! > 1000, `the blind search visited ${visited[1]} gigablocks in 1,000 allocations`);
});
