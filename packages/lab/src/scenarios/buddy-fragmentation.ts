import { defineScenario } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import type { BuddyBlock } from 'kalloc';
import { now, sinceMs } from '../kit/clock.ts';
import { NEW, OLD, DESIGNS, make, histogram, K, M, G } from '../workloads/buddy.ts';

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
      const a = sinceMs(t0);

      ctx.progress(2 * d + 1, 2 * DESIGNS.length, `${design}: part (b)`);
      mm = make(design, p.size);
      const t1 = now();
      const list: BuddyBlock[] = [];
      for (let i = 0; i < num; i++) list.push(...mm.alloc(8 * K, { minBlockSize: 64 * K })!);
      const even: BuddyBlock[] = [];
      const rest: BuddyBlock[] = [];
      for (const b of list) (count++ % 2 === 0 ? even : rest).push(b);
      mm.free(even, { cleared: true });
      mm.free(rest.reverse(), { cleared: true });
      const b = sinceMs(t1);
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
