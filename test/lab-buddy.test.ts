/**
 * The buddy scenarios' workloads: the memory map agrees with the cleared bytes the table reports,
 * the no-clear churn places identically in both designs, and the interleaved runner alternates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESIGNS, NEW, OLD, make, memoryMap } from '../packages/lab/src/workloads/buddy.ts';
import { noClearRun, vkctsRun } from '../packages/lab/src/workloads/buddy-runs.ts';
import { interleaved, spread } from '../packages/lab/src/kit/design-workers.ts';

const K = 1024;
const M = K * K;

function clearedBytes(segments: readonly { start: number; end: number; state: string }[]): number {
  return segments.filter((s) => s.state === 'cleared').reduce((sum, s) => sum + s.end - s.start, 0);
}

test('buddy lab: the memory map shows every cleared byte the table reports (vkcts, both designs)', () => {
  for (const design of DESIGNS) {
    const run = vkctsRun(design, { size: 256 * M, count: 400, blockSize: 8 * K, align: 256 * K, background: 200, seed: 7, rounds: 1 });
    assert.ok(run.clearAvail > 0, `${design}: the test leaves cleared memory`);
    assert.equal(clearedBytes(run.map.segments), run.clearAvail, `${design}: map and clearAvail agree`);
    assert.equal(run.map.segments.at(-1)!.end, 256 * M);
  }
});

test('buddy lab: a free block that is only partly cleared is drawn partly cleared', () => {
  const mm = make(NEW, 64 * 4096);
  const pages = Array.from({ length: 4 }, (_, i) => mm.alloc(4096, { start: i * 4096, end: (i + 1) * 4096 })!);
  mm.free(pages[1]!, { cleared: true });
  mm.free(pages[0]!); // merges with the cleared page: one free 8 KiB block, half of it cleared
  const map = memoryMap(mm, NEW, 'partly cleared');
  assert.deepEqual(map.segments.slice(0, 3), [
    { start: 0, end: 4096, state: 'free' },
    { start: 4096, end: 8192, state: 'cleared' },
    { start: 8192, end: 16384, state: 'used' },
  ]);
  assert.equal(clearedBytes(map.segments), mm.clearAvail);
});

test('buddy lab: a driver that never passes clear flags gets the same blocks from both designs', () => {
  const params = { size: 32 * M, ops: 20_000, fill: 0.85, seed: 5, rounds: 1 };
  const unified = noClearRun(NEW, params);
  const legacy = noClearRun(OLD, params);
  assert.ok(unified.allocs > 5000 && unified.failed > 0, 'the churn runs near full');
  assert.deepEqual({ ...unified, ms: 0 }, { ...legacy, ms: 0 });
});

test('buddy lab: interleaved rounds alternate the order; spread gives median and range', async () => {
  const calls: string[] = [];
  const out = await interleaved(['a', 'b'], 3, async (d, round) => {
    calls.push(`${d}${round}`);
    return round;
  });
  assert.deepEqual(calls, ['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
  assert.deepEqual(out, { a: [0, 1, 2], b: [0, 1, 2] });
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
});
