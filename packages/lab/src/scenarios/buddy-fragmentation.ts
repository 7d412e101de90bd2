import { defineScenario } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import type { BuddyBlock } from 'kalloc';
import { now, sinceMs } from '../kit/clock.ts';
import { median } from '../kit/stats.ts';
import { interleave, judgeRatio, ratios } from '../kit/claims.ts';
import { NEW, OLD, DESIGNS, make, histogram, K, M, G } from '../workloads/buddy.ts';

interface FragParams {
  size: number;
  /** Interleaved repetitions of both parts on each design; the median ratio decides. */
  reps: number;
}

/** The unified design must be at least as fast: dual-tree time / unified time >= this. */
const AS_FAST = 1;

interface PassTimes {
  a: number;
  b: number;
  freeBlocksLeft: number;
}

/** One pass of both parts of the KUnit case on a fresh allocator of `design`. */
function runPass(design: string, size: number): PassTimes {
  const num = size / (64 * K);
  let mm = make(design, size);
  const t0 = now();
  const clear: BuddyBlock[] = [];
  const dirty: BuddyBlock[] = [];
  for (let i = 0; i < num; i++) {
    const b = mm.alloc(8 * K, { minBlockSize: 64 * K });
    if (!b) throw new Error(`${design}: 8K allocation ${i} failed`);
    (i % 4 === 0 || i % 4 === 3 ? clear : dirty).push(...b);
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
  const a = sinceMs(t0);

  mm = make(design, size);
  const t1 = now();
  const list: BuddyBlock[] = [];
  for (let i = 0; i < num; i++) list.push(...mm.alloc(8 * K, { minBlockSize: 64 * K })!);
  const even: BuddyBlock[] = [];
  const rest: BuddyBlock[] = [];
  list.forEach((blk, i) => (i % 2 === 0 ? even : rest).push(blk));
  mm.free(even, { cleared: true });
  mm.free(rest.reverse(), { cleared: true });
  const b = sinceMs(t1);
  mm.check();
  return { a, b, freeBlocksLeft: histogram(mm).reduce((x, y) => x + y, 0) };
}

const CLAIM = (p: FragParams) =>
  `On a ${formatBytes(p.size)} space, the unified design runs gpu_test_buddy_fragmentation_performance (8 KiB at 64 KiB alignment over the whole space, a mixed cleared/dirty free, then 64 KiB allocations over the whole space; and a reverse-ordered cleared free) at least as fast as the dual-tree design (ratio >= ${AS_FAST.toFixed(1)}x, median of ${p.reps} interleaved repetitions)`;

export const buddyFragmentation = defineScenario<FragParams>({
  name: 'buddy-fragmentation',
  title: "The kernel's fragmentation_performance KUnit case, timed",
  claim: CLAIM,
  designs: DESIGNS,
  metrics: {
    'fragmented allocation ms': { unit: 'ms', better: 'lower', description: 'part (a): 8K@64K allocs, mixed free, 64K allocs, free (median)' },
    'reverse-ordered free ms': { unit: 'ms', better: 'lower', description: 'part (b): 8K@64K allocs, even ones freed, the rest in reverse (median)' },
    'total ms': { unit: 'ms', better: 'lower', description: 'median of (a) + (b)' },
    'free blocks left': { unit: 'blocks', better: 'lower', description: 'free blocks after part (b)' },
  },
  params: { full: { size: 4 * G, reps: 3 }, quick: { size: 256 * M, reps: 5 } },
  describe: (p) => `${formatBytes(p.size)} space, ${formatNumber(p.size / (64 * K))} blocks per pass (the kernel uses 4 GiB / 65,536), ${p.reps} repetitions interleaved between the designs`,
  run(p, ctx) {
    // A small warm-up pass each, so that neither design pays the JIT for the other.
    for (const design of DESIGNS) runPass(design, 16 * M);
    let step = 0;
    const passes = interleave(p.reps, DESIGNS.map((design) => () => {
      ctx.progress(step++, p.reps * DESIGNS.length, design);
      return runPass(design, p.size);
    }));
    ctx.progress(1, 1);
    const figures: Record<string, Record<string, number>> = {};
    DESIGNS.forEach((design, d) => {
      const runs = passes[d]!;
      figures[design] = {
        'fragmented allocation ms': median(runs.map((r) => r.a)),
        'reverse-ordered free ms': median(runs.map((r) => r.b)),
        'total ms': median(runs.map((r) => r.a + r.b)),
        'free blocks left': runs[0]!.freeBlocksLeft,
      };
    });
    const total = (d: number) => passes[d]!.map((r) => r.a + r.b);
    const ratio = ratios(total(DESIGNS.indexOf(OLD)), total(DESIGNS.indexOf(NEW)));
    return {
      figures,
      claims: [judgeRatio(CLAIM(p), ratio, AS_FAST, 'dual-tree / unified total time ')],
    };
  },
});
