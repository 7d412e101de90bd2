import Table from 'cli-table3';
import { formatNumber, formatRatio } from '../packages/lab/src/format.ts';
import { RangeAllocator } from '../packages/kalloc/src/range/range-allocator.ts';
import { SharedHeap } from '../packages/kalloc/src/heap/shared-heap.ts';
import { LocalLoop, type OffsetAllocator } from '../packages/lab/src/workloads/heap/workload.ts';
import { machineParallelism, measureHeap, measureSeparateHeaps, WORKLOADS, type HeapMeasureParams } from '../packages/lab/src/workloads/heap/measure.ts';
import { measure, printResults } from './harness.ts';
import type { BenchSuite } from './index.ts';

/**
 * SharedHeap benchmarks, all ratios within one run:
 *  1. one thread, steady-state alloc+free pairs (sizes 1..512, 1000 live) through tinybench:
 *     SharedHeap against RangeAllocator on the same requests (claim: >= 0.7x);
 *  2. real workers (measure.ts): local alloc/free with 1 and 2 workers and producer/consumer,
 *     per-worker ownership against the same heap under one global lock
 *     (claims: 2 workers >= 1.7x one worker; >= 3x the global lock with 2 workers).
 * HEAP_BENCH_REPS sets the worker repetitions (default 5; the median counts).
 */
const BATCH = 1024;
const LIVE = 1000;
const MAX_SIZE = 512;
const SIZE = 64 << 20;

function loopTask(name: string, make: () => OffsetAllocator) {
  let loop: LocalLoop | undefined;
  return {
    name,
    ops: BATCH,
    setup: () => {
      loop = new LocalLoop(make(), LIVE, 1, MAX_SIZE);
      loop.prepare();
    },
    fn: () => loop!.run(BATCH),
  };
}

export const heapSuite: BenchSuite = {
  name: 'heap',
  description: 'SharedHeap: one thread vs RangeAllocator; 1/2 workers and producer/consumer vs one global lock',
  async run() {
    const single = await measure([
      loopTask('RangeAllocator', () => new RangeAllocator({ size: SIZE })),
      loopTask('SharedHeap (1 thread)', () => SharedHeap.create({ size: SIZE })),
      loopTask('SharedHeap global-lock (1 thread)', () => SharedHeap.create({ size: SIZE, mode: 'global-lock' })),
    ]);
    printResults('one thread: alloc+free pairs, sizes 1..512, 1000 live', single, 'RangeAllocator');

    const params: HeapMeasureParams = {
      localPairs: 2_000_000,
      pcObjects: 1_000_000,
      reps: Number(process.env.HEAP_BENCH_REPS ?? 5),
      maxSize: MAX_SIZE,
      live: LIVE,
    };
    const before = await machineParallelism();
    const figures = await measureHeap(['owned', 'global-lock'], params);
    const separate = await measureSeparateHeaps(params);
    const after = await machineParallelism();
    const owned = figures.owned!;
    const locked = figures['global-lock']!;
    const table = new Table({ head: ['workers', 'owned (pairs/s)', 'global-lock (pairs/s)', 'owned / global-lock'], style: { head: [], border: [] } });
    const label = { local1: 'local, 1 worker', local2: 'local, 2 workers', pc: 'producer/consumer' };
    for (const w of WORKLOADS) table.push([label[w], formatNumber(Math.round(owned[w])), formatNumber(Math.round(locked[w])), formatRatio(owned[w] / locked[w])]);
    table.push(['local, 2 workers on 2 separate heaps (the ideal)', formatNumber(Math.round(separate)), '', '']);
    console.log(`\nworkers (median of ${params.reps}, timed inside the workers)\n${table.toString()}`);

    const heap1 = single[1]!.opsPerSec / single[0]!.opsPerSec;
    const scaling = owned.local2 / owned.local1;
    const vsLock = owned.local2 / locked.local2;
    const verdict = (name: string, value: number, want: number) => `  ${name}: ${formatRatio(value)} (claim >= ${want}x: ${value >= want ? 'met' : 'NOT met'})`;
    console.log('\nclaims');
    console.log(verdict('one thread, SharedHeap / RangeAllocator', heap1, 0.7));
    console.log(verdict('2 workers / 1 worker (owned)', scaling, 1.7));
    console.log(verdict('owned / global-lock, 2 workers', vsLock, 3));
    console.log(`  producer/consumer owned / global-lock: ${formatRatio(owned.pc / locked.pc)}`);
    console.log(`  2 workers on one heap / on 2 separate heaps: ${formatRatio(owned.local2 / separate)} (1.00x = sharing the heap costs nothing)`);
    console.log(`  machine parallelism (a fixed loop, 2 workers / 1): ${formatRatio(before)} before, ${formatRatio(after)} after`);
  },
};
