import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedHeap, type HeapMode } from '../packages/kalloc/src/heap/shared-heap.ts';
import { runWorkers, type WorkloadSpec } from '../packages/lab/src/workloads/heap/workload.ts';

/**
 * Real threads on one heap: each worker does random allocs (some page-sized) and frees, fills
 * every allocation with a pattern derived from its offset and checks it when the block is freed
 * (by itself or, for one free in four, by the next worker, which receives it through a SAB ring:
 * a remote free routed back to the owner). A worker that finishes detaches while others may
 * still free its objects (orphan frees). At the end check() must pass and the heap be all free.
 * Workers run through the tsx shim (src/heap/tsx-worker.mjs); failures reject and terminate all.
 */
const OPS = Number(process.env.HEAP_STRESS_OPS ?? 100_000);

async function stress(mode: HeapMode, workers: number): Promise<void> {
  const heap = SharedHeap.create({ size: 32 << 20, maxWorkers: workers + 1, blockPages: 8, mode });
  const spec = (i: number): WorkloadSpec => ({
    kind: 'mixed',
    ops: OPS,
    seed: 1000 + i,
    maxSize: 2048,
    live: 400,
    largeEvery: 64,
    sendEvery: 4,
    verify: true,
  });
  const reports = await runWorkers(heap, Array.from({ length: workers }, (_, i) => spec(i)), { ringCapacity: 256, timeoutMs: 25_000 });
  assert.equal(reports.length, workers);
  const received = reports.reduce((n, r) => n + r.remoteFrees, 0);
  assert.ok(received > OPS / 20, `only ${received} cross-worker frees happened`);
  assert.equal(reports.reduce((n, r) => n + r.allocFailures, 0), 0, 'the heap ran out of space');
  heap.check();
  const s = heap.stats();
  assert.deepEqual(
    { free: s.freePages, slabs: s.slabs, owned: s.ownedBlocks, orphan: s.orphanBlocks, large: s.largeBlocks, pending: s.pendingRemoteFrees },
    { free: s.pages, slabs: 0, owned: 0, orphan: 0, large: 0, pending: 0 },
    'the heap is not entirely free after every worker freed everything and detached',
  );
  assert.ok(s.blocksTaken > 0 && s.blocksTaken === s.blocksReturned);
  heap.detach();
}

test('heap stress: 4 workers x 1e5 random ops with cross-worker frees (owned)', { timeout: 28_000 }, () => stress('owned', 4));
test('heap stress: 2 workers x 1e5 random ops with cross-worker frees (global-lock)', { timeout: 28_000 }, () => stress('global-lock', 2));
