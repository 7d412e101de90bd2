import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RangeAllocator } from '../packages/kalloc/src/range/range-allocator.ts';
import { LinearRangeAllocator } from '../packages/kalloc/src/range/linear-range-allocator.ts';
import {
  KERNEL_PARAMS,
  PAGE_SIZE,
  runWorkload,
  VMALLOC_SPACE,
  VMALLOC_WORKLOADS,
  VmallocLayer,
  type WorkloadParams,
  type WorkloadResult,
} from '../packages/lab/src/workloads/vmalloc.ts';
import type { RangeAllocatorApi } from '../packages/kalloc/src/range/range-api.ts';
import { NaiveRange } from './range-oracle.ts';

/** Scaled-down kernel parameters the naive oracle can follow call for call (with frequent purges). */
const SMALL: WorkloadParams = { loops: 300, seed: 7, busyListLength: 400, junkLength: 256, pcpuAllocations: 600, lazyMaxPages: 96 };

function designs(space: { start: number; size: number }): RangeAllocatorApi[] {
  return [new RangeAllocator(space), new LinearRangeAllocator(space)];
}

function assertEmpty(a: RangeAllocatorApi): void {
  a.check();
  assert.equal(a.allocationCount, 0);
  assert.deepEqual([...a.freeAreas()], [{ start: a.start, end: a.end }]);
}

for (const workload of VMALLOC_WORKLOADS) {
  test(`test_vmalloc ${workload.name}: both designs make the oracle's calls and return its addresses`, () => {
    const oracle = runWorkload(workload, new NaiveRange(VMALLOC_SPACE), SMALL);
    // Only align_shift_alloc_test is "supposed to be failed".
    assert.equal(oracle.passed, workload.name !== 'align_shift_alloc_test');
    for (const a of designs(VMALLOC_SPACE)) {
      assert.deepEqual(runWorkload(workload, a, SMALL), oracle, a.stats().design);
      assertEmpty(a);
    }
  });
}

test('test_vmalloc with the kernel parameters (15,000 busy areas, 16,384 junk pairs): designs agree', () => {
  const params: WorkloadParams = { ...KERNEL_PARAMS, loops: 500, seed: 1, pcpuAllocations: 2_000 };
  for (const workload of VMALLOC_WORKLOADS) {
    const [tree, linear] = designs(VMALLOC_SPACE) as [RangeAllocatorApi, RangeAllocatorApi];
    assert.deepEqual(runWorkload(workload, tree, params), runWorkload(workload, linear, params), workload.name);
    assertEmpty(tree);
    assertEmpty(linear);
  }
});

test('performance mode: lazy frees carry over from test to test, and both designs still follow the oracle', () => {
  // One vmalloc layer per space for the whole suite, each test run twice, as the lab scenario does.
  const suite = (space: RangeAllocatorApi): { results: WorkloadResult[]; pendingAtSomeStart: boolean } => {
    const vm = new VmallocLayer(space, SMALL.lazyMaxPages);
    const results: WorkloadResult[] = [];
    let pendingAtSomeStart = false;
    for (const workload of VMALLOC_WORKLOADS) {
      for (let r = 0; r < 2; r++) {
        if (space.allocationCount > 0) pendingAtSomeStart = true;
        vm.begin();
        results.push(vm.result(workload.run(vm, SMALL)));
      }
    }
    vm.purge();
    return { results, pendingAtSomeStart };
  };
  const oracle = suite(new NaiveRange(VMALLOC_SPACE));
  // Some test must start while areas freed lazily by the one before are still busy.
  assert.ok(oracle.pendingAtSomeStart);
  for (const a of designs(VMALLOC_SPACE)) {
    assert.deepEqual(suite(a), oracle, a.stats().design);
    assertEmpty(a);
  }
});

test('align_shift: alignment succeeds exactly while an aligned address fits in the space', () => {
  const twoPages = 2 * PAGE_SIZE;
  for (const a of designs(VMALLOC_SPACE)) {
    for (let k = 0; k <= 53; k++) {
      const align = 2 ** k;
      const first = Math.ceil(VMALLOC_SPACE.start / align) * align;
      const fits = first + twoPages <= VMALLOC_SPACE.start + VMALLOC_SPACE.size;
      const at = a.alloc(twoPages, { align });
      assert.equal(at, fits ? first : undefined, `align 2^${k}`);
      if (at !== undefined) a.free(at);
    }
    assertEmpty(a);
  }
});

test('full_fit: an exact hole is taken whole (FL), the free areas shrink by one', () => {
  for (const a of designs({ start: 0, size: 64 * PAGE_SIZE })) {
    const pairs: number[] = [];
    for (let i = 0; i < 8; i++) pairs.push(a.alloc(2 * PAGE_SIZE)!, a.alloc(2 * PAGE_SIZE)!);
    for (let i = 1; i < pairs.length; i += 2) a.free(pairs[i]!);
    const before = a.freeAreaCount;
    assert.equal(a.alloc(2 * PAGE_SIZE), pairs[1]);
    assert.equal(a.freeAreaCount, before - 1);
    a.check();
  }
});

test('fit types: left edge, right edge and no edge split one free area as the kernel does', () => {
  for (const a of designs({ start: 0, size: 1 << 20 })) {
    // LE: from the start of the only area.
    assert.equal(a.alloc(4096), 0);
    assert.deepEqual([...a.freeAreas()], [{ start: 4096, end: 1 << 20 }]);
    // NE: 32 KiB alignment inside the area leaves a piece on each side.
    assert.equal(a.alloc(20480, { align: 32768 }), 32768);
    assert.deepEqual([...a.freeAreas()], [
      { start: 4096, end: 32768 },
      { start: 53248, end: 1 << 20 },
    ]);
    // RE: a window starting 8 KiB before the first area's end takes its right edge.
    assert.equal(a.alloc(8192, { start: 24576 }), 24576);
    assert.deepEqual([...a.freeAreas()], [
      { start: 4096, end: 24576 },
      { start: 53248, end: 1 << 20 },
    ]);
    // A window too small for the request, and one that ends before the lowest fit.
    assert.equal(a.alloc(8192, { start: 8192, end: 12288 }), undefined);
    assert.equal(a.alloc(32768, { end: 60000 }), undefined);
    a.check();
  }
});
