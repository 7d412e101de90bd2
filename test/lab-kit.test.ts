import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapBuilder } from '../packages/lab/src/kit/memory-map.ts';
import { median, percentile } from '../packages/lab/src/kit/stats.ts';

test('lab kit: MapBuilder merges equal neighbours and fills gaps in the gap state', () => {
  const segments = new MapBuilder(0, 'gap').add(0, 4, 'free').add(4, 8, 'free').add(12, 16, 'busy').add(16, 16, 'busy').finish(20);
  assert.deepEqual(segments, [
    { start: 0, end: 8, state: 'free' },
    { start: 8, end: 12, state: 'gap' },
    { start: 12, end: 16, state: 'busy' },
    { start: 16, end: 20, state: 'gap' },
  ]);
  // A gap in the same state as its neighbours merges with them; without a gap state, space stays uncovered.
  assert.deepEqual(new MapBuilder(10, 'free').add(12, 14, 'free').finish(16), [{ start: 10, end: 16, state: 'free' }]);
  assert.deepEqual(new MapBuilder(0).add(2, 3, 'a').add(5, 6, 'a').finish(9), [
    { start: 2, end: 3, state: 'a' },
    { start: 5, end: 6, state: 'a' },
  ]);
});

test('lab kit: percentile by nearest rank, median of odd and even counts', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 0.5), 51);
  assert.equal(percentile(sorted, 0.99), 100);
  assert.equal(percentile([], 0.5), 0);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});
