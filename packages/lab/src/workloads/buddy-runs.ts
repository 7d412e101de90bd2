import { Prng, type BuddyAllocOptions, type BuddyBlock } from 'kalloc';
import type { MemoryMap } from '../scenario.ts';
import { now, sinceMs } from '../kit/clock.ts';
import { formatBytes } from '../format.ts';
import { percentile } from '../kit/stats.ts';
import { DesignWorkers, interleaved } from '../kit/design-workers.ts';
import { make, histogram, memoryMap, DESIGNS, K, PAGE, type Allocator } from './buddy.ts';
import { PageRecord, askContiguous, bytesOf, churn, takeRandom, type ChurnParams } from './buddy-churn.ts';
import { reviewRun } from './buddy-review.ts';

/**
 * The buddy scenarios' workloads, one design at a time. A scenario runs one in a worker thread
 * per design (buddy-worker.ts), in interleaved rounds: see runPerDesign.
 */

// ---- buddy-fragmentation: the kernel's gpu_test_buddy_fragmentation_performance ----------------

export interface FragParams {
  size: number;
  rounds: number;
}

export interface FragRun {
  fragmentedMs: number;
  reverseMs: number;
  freeBlocksLeft: number;
}

export function fragmentationRun(design: string, p: FragParams): FragRun {
  const num = p.size / (64 * K);
  let mm = make(design, p.size);
  const t0 = now();
  const clear: BuddyBlock[] = [];
  const dirty: BuddyBlock[] = [];
  let count = 0;
  for (let i = 0; i < num; i++) {
    const b = mm.alloc(8 * K, { minBlockSize: 64 * K });
    if (!b) throw new Error(`${design}: 8K allocation ${i} failed`);
    (count % 4 === 0 || count % 4 === 3 ? clear : dirty).push(...b);
    count++;
  }
  mm.free(clear, { cleared: true });
  mm.free(dirty);
  const big: BuddyBlock[] = [];
  for (let i = 0; i < num; i++) {
    const b = mm.alloc(64 * K, { minBlockSize: 64 * K });
    if (!b) throw new Error(`${design}: 64K allocation ${i} failed`);
    big.push(...b);
  }
  mm.free(big);
  const fragmentedMs = sinceMs(t0);

  mm = make(design, p.size);
  const t1 = now();
  const list: BuddyBlock[] = [];
  for (let i = 0; i < num; i++) list.push(...mm.alloc(8 * K, { minBlockSize: 64 * K })!);
  const even: BuddyBlock[] = [];
  const rest: BuddyBlock[] = [];
  for (const b of list) (count++ % 2 === 0 ? even : rest).push(b);
  mm.free(even, { cleared: true });
  mm.free(rest.reverse(), { cleared: true });
  const reverseMs = sinceMs(t1);
  mm.check();
  return { fragmentedMs, reverseMs, freeBlocksLeft: histogram(mm).reduce((x, y) => x + y, 0) };
}

// ---- buddy-vkcts: dEQP-VK.memory.allocation.basic.size_8KiB.reverse.count_4000 ------------------

export interface VkctsParams {
  size: number;
  count: number;
  blockSize: number;
  align: number;
  /** Background allocations made (and half freed) before the test, so "before" is lived-in. */
  background: number;
  seed: number;
  rounds: number;
}

export interface VkctsRun {
  before: number[];
  after: number[];
  clearAvail: number;
  ms: number;
  map: MemoryMap;
}

/** A lived-in VRAM: random allocations of 4 KiB..2 MiB, a random half of them freed (dirty). */
function backgroundFill(mm: Allocator, p: VkctsParams): void {
  const r = new Prng(p.seed);
  const live: BuddyBlock[][] = [];
  for (let i = 0; i < p.background; i++) {
    const blocks = mm.alloc(PAGE * 2 ** r.below(10));
    if (blocks) live.push(blocks);
  }
  for (const blocks of live) if (r.chance(0.5)) mm.free(blocks);
}

export function vkctsRun(design: string, p: VkctsParams): VkctsRun {
  const mm = make(design, p.size);
  backgroundFill(mm, p);
  const before = histogram(mm);
  const t0 = now();
  const blocks: BuddyBlock[][] = [];
  for (let i = 0; i < p.count; i++) {
    const b = mm.alloc(p.blockSize, { minBlockSize: p.align });
    if (!b) throw new Error(`${design}: allocation ${i} of ${p.count} failed`);
    blocks.push(b);
  }
  for (let i = blocks.length - 1; i >= 0; i--) mm.free(blocks[i]!, { cleared: i % 2 === 0 });
  const ms = sinceMs(t0);
  mm.check();
  return { before, after: histogram(mm), clearAvail: mm.clearAvail, ms, map: memoryMap(mm, design, `${design} after the test`) };
}

// ---- buddy-mixed: cleared/dirty churn, then high-order contiguous requests ---------------------

export interface MixedParams extends ChurnParams {
  /** Contiguous request sizes (powers of two), each asked `tries` times, largest first. */
  contiguous: number[];
  tries: number;
  rounds: number;
  /** A call (index in the run's order) to watch: its run reports the typed-array bytes the
   *  process gained during it (process.memoryUsage().arrayBuffers, read outside its timing). */
  watch?: number;
}

/** The slowest alloc() call of a run, and what it asked for. */
export interface SlowestCall {
  /** Index of the call in the run's order (the workload is seeded: every round makes the same calls). */
  call: number;
  us: number;
  request: string;
}

export interface MixedRun {
  figures: Record<string, number>;
  slowest: SlowestCall;
  /** With `watch`: that call's time and the typed-array bytes the process gained during it. */
  watched?: { call: number; us: number; arrayBufferBytes: number };
}

/** "28 KiB dirty, minBlockSize 256 KiB, contiguous" */
function describeRequest(size: number, o: BuddyAllocOptions): string {
  const parts = [formatBytes(size), o.clear ? 'cleared' : 'dirty'];
  if (o.minBlockSize !== undefined) parts.push(`minBlockSize ${formatBytes(o.minBlockSize)}`);
  if (o.contiguous) parts.push('contiguous');
  return parts.join(', ');
}

export function mixedRun(design: string, p: MixedParams): MixedRun {
  const mm = make(design, p.size);
  const rec = new PageRecord(p.size);
  const latencies = new Float64Array(p.ops + p.contiguous.length * p.tries);
  let nLat = 0;
  let clearTaken = 0;
  let slowest: SlowestCall = { call: -1, us: -1, request: '' };
  let watched: MixedRun['watched'];
  const t0 = now();
  const timedAlloc = (size: number, o: BuddyAllocOptions): BuddyBlock[] | undefined => {
    const watching = nLat === p.watch;
    const bytesBefore = watching ? process.memoryUsage().arrayBuffers : 0;
    const s = now();
    const b = mm.alloc(size, o);
    const us = sinceMs(s) * 1e3;
    if (watching) watched = { call: nLat, us, arrayBufferBytes: process.memoryUsage().arrayBuffers - bytesBefore };
    if (us > slowest.us) slowest = { call: nLat, us, request: describeRequest(size, o) };
    latencies[nLat++] = us;
    return b;
  };
  churn(mm, rec, p, timedAlloc, (a) => {
    if (!a.options.clear) clearTaken += a.clearedTaken;
  });
  const { allowed, served, failedAllowed } = askContiguous(rec, p.contiguous, p.tries, (size) => rec.hasFreeWindow(size), timedAlloc);
  const ms = sinceMs(t0);
  mm.check();
  const lat = latencies.subarray(0, nLat).sort();
  const figures = {
    'contiguous served': served,
    'contiguous allowed': allowed,
    'failed while allowed': failedAllowed,
    'success rate': allowed ? (100 * Math.min(served, allowed)) / allowed : 100,
    'alloc p50 us': percentile(lat, 0.5),
    'alloc p99 us': percentile(lat, 0.99),
    'alloc max us': lat.length ? lat[lat.length - 1]! : 0,
    'cleared bytes taken by dirty allocs': clearTaken,
    'total ms': ms,
  };
  return { figures, slowest, ...(watched ? { watched } : {}) };
}

// ---- buddy-no-clear: a driver that never passes a clear flag ------------------------------------

export interface NoClearParams {
  size: number;
  ops: number;
  /** Target share of the space in use during the churn. */
  fill: number;
  seed: number;
  rounds: number;
}

export interface NoClearRun {
  ms: number;
  /** Allocation calls made, and how many returned undefined. */
  allocs: number;
  failed: number;
  /** A hash of every placement (offset and size of each block, in order) and of the free blocks at the end. */
  placements: number;
  freeBlocks: number;
}

/** FNV-1a over 32-bit words. */
function fold(h: number, word: number): number {
  return Math.imul(h ^ (word >>> 0), 16777619) >>> 0;
}

/**
 * A long random churn near `fill` that never passes `clear` or `cleared`: 4-64 KiB buffers (any
 * page count), some at a 64 KiB minBlockSize, some top-down, contiguous requests of any page
 * count (rounded up and trimmed back, try-harder when no block is big enough), range requests in
 * a random 1/16 of the space and exact placements, large buffers with 2 MiB pages, and trims.
 */
export function noClearRun(design: string, p: NoClearParams): NoClearRun {
  const mm = make(design, p.size);
  const r = new Prng(p.seed);
  const pages = p.size / PAGE;
  const live: BuddyBlock[][] = [];
  const target = p.size * p.fill;
  let used = 0;
  let allocs = 0;
  let failed = 0;
  let h = 0x811c9dc5;
  const t0 = now();
  for (let i = 0; i < p.ops; i++) {
    const kind = r.below(100);
    if (live.length > 0 && kind < 3) {
      // Trim the last block of a live allocation to a random number of its pages.
      const list = live[r.below(live.length)]!;
      const last = list[list.length - 1]!;
      const keep = PAGE * (1 + r.below(last.size / PAGE));
      const kept = mm.trim(last, keep);
      list.splice(list.length - 1, 1, ...kept);
      used -= last.size - keep;
      for (const b of kept) h = fold(fold(h, b.offset / PAGE), b.size / PAGE);
    } else if (used < target || live.length === 0 || kind < 48) {
      let size = PAGE * (1 + r.below(16));
      let o: BuddyAllocOptions | undefined;
      const what = r.below(100);
      if (what < 10) {
        o = { minBlockSize: 64 * K };
      } else if (what < 15) {
        o = { topDown: true };
      } else if (what < 25) {
        size = PAGE * (1 + r.below(64));
        o = { contiguous: true };
      } else if (what < 35) {
        const start = PAGE * r.below(pages - pages / 16);
        o = { start, end: start + p.size / 16, topDown: r.chance(0.5) };
      } else if (what < 38) {
        const start = size * r.below(Math.floor(pages / (size / PAGE)));
        o = { start, end: start + size };
      } else if (what < 43) {
        size = PAGE * 2 ** (5 + r.below(5));
        o = { minBlockSize: 2 * 1024 * K };
      }
      allocs++;
      const b = mm.alloc(size, o);
      if (!b) {
        failed++;
        h = fold(h, 0xffffffff);
        continue;
      }
      for (const x of b) h = fold(fold(h, x.offset / PAGE), x.size / PAGE);
      used += bytesOf(b);
      live.push(b);
    } else {
      const b = takeRandom(live, r);
      mm.free(b);
      used -= bytesOf(b);
    }
  }
  const ms = sinceMs(t0);
  mm.check();
  let f = 0x811c9dc5;
  for (const b of mm.freeBlocks()) f = fold(fold(f, b.offset / PAGE), b.size / PAGE);
  return { ms, allocs, failed, placements: h, freeBlocks: f };
}

export const BUDDY_RUNS = { fragmentation: fragmentationRun, vkcts: vkctsRun, mixed: mixedRun, noClear: noClearRun, review: reviewRun };
type Runs = typeof BUDDY_RUNS;

const WORKER = new URL(`./buddy-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

export interface PerDesignOptions<P, T> {
  /** The designs (labels) to run; by default the new design and its baseline. */
  designs?: readonly string[];
  /** Run once by each design's worker before the rounds, untimed: the compiler's warm-up. */
  warmup?: P;
  /** The parameters of a design's later rounds, from that design's results so far. */
  later?: (earlier: T[]) => P;
}

/**
 * `params.rounds` rounds of one workload over the designs (options.designs; by default the new
 * design and its baseline), each design in a worker thread of its own, the order alternating
 * between rounds (kit/design-workers.ts). Results per design, in round order; `step` reports each
 * run as it starts.
 */
export async function runPerDesign<R extends keyof Runs>(
  run: R,
  params: Parameters<Runs[R]>[1],
  step: (done: number, total: number, label: string) => void,
  options: PerDesignOptions<Parameters<Runs[R]>[1], ReturnType<Runs[R]>> = {},
): Promise<Record<string, ReturnType<Runs[R]>[]>> {
  type Result = ReturnType<Runs[R]>;
  const designs = options.designs ?? DESIGNS;
  const workers = new DesignWorkers(WORKER, designs);
  const total = params.rounds * designs.length;
  const seen: Record<string, Result[]> = Object.fromEntries(designs.map((d) => [d, []]));
  let done = 0;
  try {
    if (options.warmup !== undefined) {
      for (const design of designs) {
        step(done, total, `${design}: warm-up`);
        await workers.run<Result>(design, { run, design, params: options.warmup });
      }
    }
    return await interleaved(designs, params.rounds, async (design, round) => {
      step(done++, total, `${design}: round ${round + 1} of ${params.rounds}`);
      const earlier = seen[design]!;
      const roundParams = options.later !== undefined && earlier.length > 0 ? options.later(earlier) : params;
      const result = await workers.run<Result>(design, { run, design, params: roundParams });
      earlier.push(result);
      return result;
    });
  } finally {
    await workers.close();
  }
}
