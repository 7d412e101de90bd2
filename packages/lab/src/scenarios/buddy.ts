import { defineScenario, type Chart, type MemoryMap, type MetricInfo, type RunContext } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { Prng, type BuddyAllocOptions, type BuddyBlock, BuddyAllocator, LegacyBuddyAllocator } from 'kalloc';

/**
 * Lab scenarios comparing the 2026 unified free tree + clear tracker with the dual-tree design
 * it replaces, on the workloads the patch series was written for.
 */
const NEW = 'unified + clear tracker';
const OLD = 'dual clear/dirty trees';
const DESIGNS = [NEW, OLD];
type Allocator = BuddyAllocator | LegacyBuddyAllocator;
const make = (design: string, size: number): Allocator =>
  design === NEW ? new BuddyAllocator({ size }) : new LegacyBuddyAllocator({ size });

const K = 1024;
const M = 1024 * K;
const G = 1024 * M;
const PAGE = 4096;

/** Free blocks per order, order 0 first. */
function histogram(mm: Allocator): number[] {
  const h = new Array<number>(mm.maxOrder + 1).fill(0);
  for (const o of mm.stats().orders) h[o.order] = o.blocks;
  return h;
}

/** A free/used/cleared strip of the address space, merging neighbours in the same state. */
function memoryMap(mm: Allocator, design: string, title: string): MemoryMap {
  const segments: MemoryMap['segments'] = [];
  const push = (start: number, end: number, state: string): void => {
    const last = segments[segments.length - 1];
    if (last && last.state === state && last.end === start) last.end = end;
    else segments.push({ start, end, state });
  };
  let at = 0;
  for (const b of mm.freeBlocks()) {
    if (b.offset > at) push(at, b.offset, 'used');
    push(b.offset, b.offset + b.size, b.clear ? 'cleared' : 'free');
    at = b.offset + b.size;
  }
  if (at < mm.size) push(at, mm.size, 'used');
  return {
    title,
    design,
    unit: 'bytes',
    start: 0,
    end: mm.size,
    segments,
    colors: { used: '#c0392b', free: '#95a5a6', cleared: '#27ae60' },
  };
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function elapsedMs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// ---- buddy-vkcts ------------------------------------------------------------------------------

interface VkctsParams {
  size: number;
  count: number;
  blockSize: number;
  align: number;
  /** Background allocations made (and half freed) before the test, so "before" is lived-in. */
  background: number;
  seed: number;
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

export const buddyVkcts = defineScenario<VkctsParams>({
  name: 'buddy-vkcts',
  title: 'VKCTS 8 KiB x 4000 reverse: fragmentation left behind',
  claim:
    "After dEQP-VK.memory.allocation.basic.size_8KiB.reverse.count_4000 (8 KiB at 256 KiB alignment, freed in reverse, half as cleared), the unified design's free blocks per order equal those before the test, while the dual-tree design is left with thousands (>= 1000) of extra small blocks.",
  designs: DESIGNS,
  metrics: {
    'free blocks before': { unit: 'blocks', description: 'free blocks over all orders before the test' },
    'free blocks after': { unit: 'blocks', better: 'lower', description: 'free blocks over all orders after the test' },
    'extra blocks left': { unit: 'blocks', better: 'lower', description: 'after minus before' },
    'orders changed': { unit: 'orders', better: 'lower', description: 'orders whose free-block count differs from before' },
    'cleared bytes kept': { unit: 'bytes', better: 'higher', description: 'clearAvail after the test' },
    'test ms': { unit: 'ms', better: 'lower' },
  },
  params: {
    full: { size: 8 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 3000, seed: 7 },
    quick: { size: 2 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 1000, seed: 7 },
  },
  describe: (p) =>
    `a ${formatBytes(p.size)} VRAM (4 KiB chunks) lived in by ${p.background} random 4 KiB-2 MiB allocations (half freed), then ${p.count} allocations of ${formatBytes(p.blockSize)} with minBlockSize ${formatBytes(p.align)}, freed in reverse, every other one as cleared; seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    const points: Chart['points'] = [];
    const maps: MemoryMap[] = [];
    DESIGNS.forEach((design, d) => {
      ctx.progress(d, DESIGNS.length, design);
      const mm = make(design, p.size);
      backgroundFill(mm, p);
      const before = histogram(mm);
      const t0 = process.hrtime.bigint();
      const blocks: BuddyBlock[][] = [];
      for (let i = 0; i < p.count; i++) {
        const b = mm.alloc(p.blockSize, { minBlockSize: p.align });
        if (!b) throw new Error(`${design}: allocation ${i} of ${p.count} failed`);
        blocks.push(b);
      }
      for (let i = blocks.length - 1; i >= 0; i--) mm.free(blocks[i]!, { cleared: i % 2 === 0 });
      const ms = elapsedMs(t0);
      mm.check();
      const after = histogram(mm);
      const sum = (h: number[]): number => h.reduce((a, b) => a + b, 0);
      figures[design] = {
        'free blocks before': sum(before),
        'free blocks after': sum(after),
        'extra blocks left': sum(after) - sum(before),
        'orders changed': before.filter((n, k) => after[k] !== n).length,
        'cleared bytes kept': mm.clearAvail,
        'test ms': ms,
      };
      for (let k = 0; k < before.length; k++) {
        if (before[k] === 0 && after[k] === 0) continue;
        points.push({ series: `${design}: before`, x: k, y: before[k]! });
        points.push({ series: `${design}: after`, x: k, y: after[k]! });
      }
      maps.push(memoryMap(mm, design, `${design} after the test`));
    });
    ctx.progress(DESIGNS.length, DESIGNS.length);
    const n = figures[NEW]!;
    const o = figures[OLD]!;
    const met = n['orders changed'] === 0 && n['extra blocks left'] === 0 && o['extra blocks left']! >= 1000;
    return {
      figures,
      met,
      verdict: `unified: ${n['orders changed']} orders changed, ${formatNumber(n['extra blocks left']!)} extra blocks; dual-tree: ${o['orders changed']} orders changed, ${formatNumber(o['extra blocks left']!)} extra blocks (threshold 1,000)`,
      charts: [{ title: 'Free blocks per order, before and after the test', kind: 'bar', x: 'order', y: 'free blocks', points, logY: true }],
      maps,
      notes: [
        'Cleared frees stay known to the unified design (clearAvail) while its blocks merge; the dual-tree design cannot merge a cleared 8 KiB block with its dirty buddy, so every 256 KiB window stays split.',
      ],
    };
  },
});

// ---- buddy-fragmentation ----------------------------------------------------------------------

interface FragParams {
  size: number;
}

export const buddyFragmentation = defineScenario<FragParams>({
  name: 'buddy-fragmentation',
  title: "The kernel's fragmentation_performance KUnit case, timed",
  claim:
    "The unified design runs gpu_test_buddy_fragmentation_performance (8 KiB at 64 KiB alignment over the whole space, a mixed cleared/dirty free, then 64 KiB allocations over the whole space; and a reverse-ordered cleared free) at least as fast as the dual-tree design (ratio >= 1.0x).",
  designs: DESIGNS,
  metrics: {
    'fragmented allocation ms': { unit: 'ms', better: 'lower', description: 'part (a): 8K@64K allocs, mixed free, 64K allocs, free' },
    'reverse-ordered free ms': { unit: 'ms', better: 'lower', description: 'part (b): 8K@64K allocs, even ones freed, the rest in reverse' },
    'total ms': { unit: 'ms', better: 'lower' },
    'free blocks left': { unit: 'blocks', better: 'lower', description: 'free blocks after part (b)' },
  },
  params: { full: { size: 4 * G }, quick: { size: 256 * M } },
  describe: (p) => `${formatBytes(p.size)} space, ${p.size / (64 * K)} blocks per pass (the kernel uses 4 GiB / 65,536)`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    const num = p.size / (64 * K);
    DESIGNS.forEach((design, d) => {
      ctx.progress(2 * d, 2 * DESIGNS.length, `${design}: part (a)`);
      let mm = make(design, p.size);
      const t0 = process.hrtime.bigint();
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
      const a = elapsedMs(t0);

      ctx.progress(2 * d + 1, 2 * DESIGNS.length, `${design}: part (b)`);
      mm = make(design, p.size);
      const t1 = process.hrtime.bigint();
      const list: BuddyBlock[] = [];
      for (let i = 0; i < num; i++) list.push(...mm.alloc(8 * K, { minBlockSize: 64 * K })!);
      const even: BuddyBlock[] = [];
      const rest: BuddyBlock[] = [];
      for (const b of list) (count++ % 2 === 0 ? even : rest).push(b);
      mm.free(even, { cleared: true });
      mm.free(rest.reverse(), { cleared: true });
      const b = elapsedMs(t1);
      mm.check();
      figures[design] = {
        'fragmented allocation ms': a,
        'reverse-ordered free ms': b,
        'total ms': a + b,
        'free blocks left': histogram(mm).reduce((x, y) => x + y, 0),
      };
    });
    ctx.progress(1, 1);
    const ratio = figures[OLD]!['total ms']! / figures[NEW]!['total ms']!;
    return {
      figures,
      met: ratio >= 1,
      verdict: `dual-tree ${formatNumber(figures[OLD]!['total ms']!)} ms / unified ${formatNumber(figures[NEW]!['total ms']!)} ms = ${formatRatio(ratio)} (threshold 1.0x)`,
    };
  },
});

// ---- buddy-mixed ------------------------------------------------------------------------------

interface MixedParams {
  size: number;
  ops: number;
  /** Target share of the space in use during the churn. */
  fill: number;
  /** Share of allocations that are large (128 KiB-2 MiB) with a large minBlockSize (64 KiB-2 MiB). */
  bigShare: number;
  /** Share of frees that hand back cleared memory (drivers wipe buffers on release). */
  clearedFrees: number;
  /** Share of the live set freed before the contiguous requests. */
  release: number;
  /** Contiguous request sizes (powers of two), each asked `tries` times, largest first. */
  contiguous: number[];
  tries: number;
  seed: number;
}

/** The caller's own record of every page: 0 free dirty, 1 free cleared, 2 in use. */
class PageRecord {
  readonly state: Uint8Array;
  constructor(size: number) {
    this.state = new Uint8Array(size / PAGE);
  }
  /** Marks blocks in use; returns how many of their bytes were cleared. */
  handOut(blocks: readonly BuddyBlock[]): number {
    let cleared = 0;
    for (const b of blocks) {
      for (let p = b.offset / PAGE, e = (b.offset + b.size) / PAGE; p < e; p++) {
        if (this.state[p] === 1) cleared += PAGE;
        this.state[p] = 2;
      }
    }
    return cleared;
  }
  giveBack(blocks: readonly BuddyBlock[], cleared: boolean): void {
    for (const b of blocks) this.state.fill(cleared ? 1 : 0, b.offset / PAGE, (b.offset + b.size) / PAGE);
  }
  /** Whether a size-aligned window of `size` bytes is entirely free (brute force). */
  hasFreeWindow(size: number): boolean {
    const span = size / PAGE;
    const s = this.state;
    for (let w = 0; w + span <= s.length; w += span) {
      let p = w;
      while (p < w + span && s[p] !== 2) p++;
      if (p === w + span) return true;
    }
    return false;
  }
}

const mixedMetrics: Record<string, MetricInfo> = {
  'contiguous served': { unit: 'requests', description: 'contiguous requests served (the workloads diverge, so compare failures)' },
  'contiguous allowed': { unit: 'requests', description: 'requests for which a free aligned window existed (brute force)' },
  'failed while allowed': { unit: 'requests', better: 'lower' },
  'success rate': { unit: '%', better: 'higher', description: 'served / allowed' },
  'alloc p50 us': { unit: 'us', better: 'lower' },
  'alloc p99 us': { unit: 'us', better: 'lower' },
  'alloc max us': { unit: 'us', better: 'lower' },
  'cleared bytes taken by dirty allocs': { unit: 'bytes', better: 'lower' },
  'total ms': { unit: 'ms', better: 'lower' },
};

function runMixed(design: string, p: MixedParams, ctx: RunContext, step: number): Record<string, number> {
  const mm = make(design, p.size);
  const rec = new PageRecord(p.size);
  const r = new Prng(p.seed);
  const latencies = new Float64Array(p.ops + p.contiguous.length * p.tries);
  let nLat = 0;
  let clearTaken = 0;
  const live: BuddyBlock[][] = [];
  const target = p.size * p.fill;
  let used = 0;
  const t0 = process.hrtime.bigint();
  const timedAlloc = (size: number, o: BuddyAllocOptions): BuddyBlock[] | undefined => {
    const s = process.hrtime.bigint();
    const b = mm.alloc(size, o);
    latencies[nLat++] = Number(process.hrtime.bigint() - s) / 1e3;
    return b;
  };
  for (let i = 0; i < p.ops; i++) {
    if (i % 5000 === 0) ctx.progress(step + i / p.ops, 4, `${design}: churn`);
    if (used < target || live.length === 0 || r.chance(0.45)) {
      // Mostly small buffers, some large ones with a large minimum page (as amdgpu asks for
      // 2 MiB pages for big buffers), some contiguous.
      const big = r.chance(p.bigShare);
      const size = big ? PAGE * 2 ** (5 + r.below(5)) : PAGE * (1 + r.below(16));
      const o: BuddyAllocOptions = { clear: r.chance(0.5) };
      if (big) o.minBlockSize = PAGE * 2 ** (4 + r.below(6));
      else if (r.chance(0.2)) o.minBlockSize = 256 * K; // the VKCTS pattern: small buffers, 256 KiB alignment
      if (r.chance(0.05)) o.contiguous = true;
      const b = timedAlloc(size, o);
      if (!b) continue;
      const c = rec.handOut(b);
      if (!o.clear) clearTaken += c;
      used += b.reduce((s, x) => s + x.size, 0);
      live.push(b);
    } else {
      const j = r.below(live.length);
      const b = live[j]!;
      live[j] = live[live.length - 1]!;
      live.pop();
      const cleared = r.chance(p.clearedFrees);
      mm.free(b, { cleared });
      rec.giveBack(b, cleared);
      used -= b.reduce((s, x) => s + x.size, 0);
    }
  }
  // Make room, then ask for high-order contiguous ranges.
  ctx.progress(step + 1, 4, `${design}: contiguous requests`);
  for (let i = live.length - 1; i >= 0; i--) {
    if (!r.chance(p.release)) continue;
    const cleared = r.chance(0.5);
    mm.free(live[i]!, { cleared });
    rec.giveBack(live[i]!, cleared);
    live.splice(i, 1);
  }
  let allowed = 0;
  let served = 0;
  let failedAllowed = 0;
  for (const size of p.contiguous) {
    for (let t = 0; t < p.tries; t++) {
      const possible = rec.hasFreeWindow(size);
      const b = timedAlloc(size, { contiguous: true, clear: t % 2 === 0 });
      if (possible) allowed++;
      if (b) {
        served++;
        rec.handOut(b);
      } else if (possible) {
        failedAllowed++;
      }
    }
  }
  const ms = elapsedMs(t0);
  mm.check();
  const lat = latencies.subarray(0, nLat).sort();
  return {
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
}

export const buddyMixed = defineScenario<MixedParams>({
  name: 'buddy-mixed',
  title: 'Mixed cleared/dirty churn, then high-order contiguous requests',
  claim:
    'After a long random churn of cleared and dirty allocations and frees near full, the unified design never fails a contiguous request for which a free aligned window exists (brute-force scan of the caller\'s page record), and its p99 allocation latency is at least 10x lower than the dual-tree design\'s.',
  designs: DESIGNS,
  metrics: mixedMetrics,
  params: {
    full: { size: 8 * G, ops: 300_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [64 * M, 32 * M, 16 * M, 8 * M, 4 * M, 2 * M], tries: 6, seed: 11 },
    quick: { size: 256 * M, ops: 30_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [16 * M, 8 * M, 4 * M, 2 * M], tries: 4, seed: 11 },
  },
  describe: (p) =>
    `${formatBytes(p.size)} space kept ~${Math.round(p.fill * 100)}% full over ${formatNumber(p.ops)} random alloc/free operations (4-64 KiB, a fifth of them at 256 KiB alignment, and ${Math.round(p.bigShare * 100)}% 128 KiB-2 MiB with minBlockSize 64 KiB-2 MiB; half ask for clear memory, ${Math.round(p.clearedFrees * 100)}% of frees are cleared), then ${Math.round(p.release * 100)}% of the live set freed and ${p.tries} contiguous requests each of ${p.contiguous.map((s) => formatBytes(s)).join(', ')}; seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    DESIGNS.forEach((design, d) => {
      figures[design] = runMixed(design, p, ctx, 2 * d);
    });
    ctx.progress(4, 4);
    const n = figures[NEW]!;
    const o = figures[OLD]!;
    const ratio = o['alloc p99 us']! / n['alloc p99 us']!;
    const met = n['failed while allowed'] === 0 && ratio >= 10;
    return {
      figures,
      met,
      verdict: `unified failed ${n['failed while allowed']} of ${n['contiguous allowed']} allowed contiguous requests (dual-tree ${o['failed while allowed']}); p99 ${formatNumber(o['alloc p99 us']!)} us / ${formatNumber(n['alloc p99 us']!)} us = ${formatRatio(ratio)} (threshold 10x)`,
      notes: [
        'A power-of-two contiguous request can only be served by a buddy allocator from a free window aligned to its size, so "allowed" means such a window exists in the caller\'s own page record.',
        'Latency is wall time per alloc() call with process.hrtime on one thread; the dual-tree design pays for __force_merge, a scan of the free trees, when a request fails while cleared memory exists. That cost grows with the number of free blocks, so the p99 gap grows with the space: measured 3.9x at 1 GiB, 9.2x at 4 GiB and 20x at 8 GiB (the default); --quick (256 MiB) is too small to show it.',
      ],
    };
  },
});
