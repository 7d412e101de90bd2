/**
 * The buddy scenarios' workloads: the memory map agrees with the cleared bytes the table reports,
 * the no-clear churn places identically in both designs, and the interleaved runner alternates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESIGNS, NEW, OLD, make, memoryMap } from '../packages/lab/src/workloads/buddy.ts';
import { mixedRun, noClearRun, vkctsRun, type MixedRun } from '../packages/lab/src/workloads/buddy-runs.ts';
import { interleaved } from '../packages/lab/src/kit/design-workers.ts';
import { buddyFragmentation } from '../packages/lab/src/scenarios/buddy-fragmentation.ts';
import { buddyMixed, whatTheSlowestCallWas } from '../packages/lab/src/scenarios/buddy-mixed.ts';
import { buddyNoClear } from '../packages/lab/src/scenarios/buddy-no-clear.ts';
import type { ScenarioOutcome } from '../packages/lab/src/scenario.ts';
import { PageRecord } from '../packages/lab/src/workloads/buddy-churn.ts';
import { reviewRun } from '../packages/lab/src/workloads/buddy-review.ts';
import { BUDDY_DESIGNS } from '../packages/kalloc/src/buddy/designs.ts';
import type { BuddyBlock } from '../packages/kalloc/src/buddy/api.ts';
import fc from 'fast-check';

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

test('buddy lab: interleaved rounds alternate the order', async () => {
  const calls: string[] = [];
  const out = await interleaved(['a', 'b'], 3, async (d, round) => {
    calls.push(`${d}${round}`);
    return round;
  });
  assert.deepEqual(calls, ['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
  assert.deepEqual(out, { a: [0, 1, 2], b: [0, 1, 2] });
});

const quietly = { quick: true, progress: () => {} };

test('buddy-fragmentation: one claim per part, each with its own verdict and the size run', async () => {
  const out: ScenarioOutcome = await buddyFragmentation.run({ size: 16 * M, rounds: 2 }, quietly);
  assert.equal(out.claims!.length, 2);
  const [fragmented, reverse] = out.claims!;
  assert.match(fragmented!.text, /^On 16 MiB \(256 blocks of 64 KiB\), part \(a\).*median of 2 interleaved rounds/);
  assert.match(reverse!.text, /^On 16 MiB, part \(b\)/);
  for (const c of out.claims!) assert.match(c.detail, /dual-tree \/ unified time \d.*\(median of 2, /);
  assert.match(reverse!.detail, /^free blocks left: unified 1, dual-tree /);
  assert.equal(out.met, undefined, 'no single verdict');
});

test('buddy-mixed: contiguous, p50 and p99 claims; the force-merge tail is excluded below 8 GiB with both sizes', async () => {
  const params = { size: 32 * M, ops: 4000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [4 * M, 2 * M], tries: 2, seed: 11, rounds: 2 };
  const out: ScenarioOutcome = await buddyMixed.run(params, quietly);
  assert.deepEqual(out.claims!.map((c) => c.text.match(/contiguous request|median alloc|p99/)![0]), ['contiguous request', 'median alloc']);
  assert.match(out.claims![0]!.text, /After 4,000 random .* on 32 MiB, .*\(2 each of 4 MiB, 2 MiB\)/);
  assert.match(out.claims![1]!.detail, /dual-tree \/ unified p50 .*\(median of 2, /);
  assert.equal(out.excluded!.length, 1);
  assert.match(out.excluded![0]!.text, /p99 alloc\(\) latency/);
  assert.match(out.excluded![0]!.reason, /^applies from 8 GiB \(this run: 32 MiB\): /);
  const notes = out.notes!.join('\n');
  assert.match(notes, /Slowest single alloc\(\) call/);
  for (const d of DESIGNS) assert.match(notes, new RegExp(`^${d.replace(/[+]/g, '\\+')}: the slowest call of round \\d`, 'm'));
});

test('buddy-mixed: a watched call is the same call in a later round, timed apart with the typed arrays gained', () => {
  const params = { size: 32 * M, ops: 3000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [2 * M], tries: 2, seed: 3, rounds: 1 };
  const first = mixedRun(NEW, params);
  const again = mixedRun(NEW, { ...params, watch: first.slowest.call });
  assert.equal(again.watched!.call, first.slowest.call);
  assert.ok(again.watched!.us >= 0 && again.watched!.us <= again.figures['alloc max us']!);
  assert.ok(Number.isFinite(again.watched!.arrayBufferBytes));
  const untimed = (r: MixedRun) => ({ ...r.figures, 'alloc p50 us': 0, 'alloc p99 us': 0, 'alloc max us': 0, 'total ms': 0 });
  assert.deepEqual(untimed(again), untimed(first), 'watching changes no block');
});

test('buddy-mixed: the slowest call is explained by what the next round measured', () => {
  const run = (call: number, us: number, watched?: MixedRun['watched']): MixedRun => ({ figures: { 'alloc p99 us': 20 }, slowest: { call, us, request: '28 KiB, dirty' }, ...(watched ? { watched } : {}) });
  const grew = whatTheSlowestCallWas('d', [run(41, 60_000), run(41, 50_000, { call: 41, us: 50_000, arrayBufferBytes: 40 * M }), run(9, 900, { call: 41, us: 20_000, arrayBufferBytes: 40 * M })]);
  assert.equal(grew, "d: the slowest call of rounds 1 and 2, alloc() call #42 (28 KiB, dirty), took 60,000 us and 50,000 us, and 50,000 us and 20,000 us when made again; the process gained 40 MiB of typed arrays during it: the allocator's block metadata growing (every column copied into arrays of twice the capacity), not a search of the free trees.");
  const own = whatTheSlowestCallWas('d', [run(7, 9000), run(8, 8000, { call: 7, us: 3000, arrayBufferBytes: 0 })]);
  assert.match(own, /^d: the slowest call of round 1, alloc\(\) call #8 .*, took 9,000 us, and 3,000 us when made again, still more than 10x the p99 \(20 us\) with no typed arrays gained: the call's own work\.$/);
  const machine = whatTheSlowestCallWas('d', [run(7, 9000), run(8, 8000, { call: 7, us: 150, arrayBufferBytes: 0 }), run(9, 50, { call: 8, us: 4, arrayBufferBytes: 0 })]);
  assert.match(machine, /^d: the slowest call of round 1, alloc\(\) call #8 .* 150 us when made again, an ordinary time \(within 10x the p99 of 20 us\): the first time was the machine's .*; the slowest call of round 2, alloc\(\) call #9 /);
  assert.match(whatTheSlowestCallWas('d', [run(7, 9)]), /no later round made it again/);
});

test('buddy-no-clear: identical placements and the churn time are two claims, the time judged on interleaved rounds', async () => {
  const out: ScenarioOutcome = await buddyNoClear.run({ size: 16 * M, ops: 3000, fill: 0.85, seed: 23, rounds: 2 }, quietly);
  const [same, speed] = out.claims!;
  assert.match(same!.text, /^For a 3,000-operation random churn near full on 16 MiB/);
  assert.equal(same!.status, 'met');
  assert.match(same!.detail, /^placements identical in every round of both designs/);
  assert.match(speed!.detail, /^dual-tree \/ unified churn time .*\(median of 2, /);
});

test('buddy lab: PageRecord knows a wholly dirty free window of every size exactly when brute force finds one', () => {
  const PAGES = 40; // not a power of two: the last window of the large orders is cut short
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(PAGES - 1), fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, 1, 2)), { maxLength: 40 }), (ops) => {
      const rec = new PageRecord(PAGES * 4096, true);
      for (const [at, n, to] of ops) {
        const block = [{ offset: at * 4096, size: Math.min(n, PAGES - at) * 4096 }] as BuddyBlock[];
        if (to === 2) rec.handOut(block);
        else rec.giveBack(block, to === 1);
        for (let k = 0; 2 ** k <= 32; k++) {
          const span = 2 ** k;
          let brute = false;
          for (let w = 0; w + span <= PAGES && !brute; w += span) brute = rec.state.subarray(w, w + span).every((s) => s === 0);
          assert.equal(rec.hasDirtyWindow(span * 4096), brute, `windows of ${span} pages`);
        }
      }
    }),
  );
});

test('buddy lab: the review run gives the same counts in every round, and its alternatives keep to their design', () => {
  const M = 1024 * 1024;
  const p = { size: 16 * M, ops: 3000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, seed: 3, odd: [3 * M, 768 * K], tries: 2, rounds: 1 };
  const untimed = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([m]) => !/ (us|ms)$/.test(m)));
  const runs = Object.fromEntries(BUDDY_DESIGNS.map((d) => [d.id, reviewRun(d.label, p)]));
  assert.deepEqual(untimed(reviewRun(BUDDY_DESIGNS[0]!.label, p)), untimed(runs.unified!));
  // Only the dual-tree designs force-merge; the list looks at fewer blocks than the scan.
  assert.equal(runs.unified!['force-merge runs'], 0);
  assert.equal(runs.extent!['force-merge runs'], 0);
  assert.ok(runs.legacy!['force-merge runs']! > 0, 'the churn hits the merge barrier');
  assert.ok(runs['legacy-failed-list']!['force-merge blocks examined']! < runs.legacy!['force-merge blocks examined']!);
  for (const r of Object.values(runs)) assert.ok(r['odd contiguous served']! <= p.odd.length * p.tries);
});
