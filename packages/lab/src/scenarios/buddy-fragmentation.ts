import { defineScenario } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { spread } from '../kit/design-workers.ts';
import { NEW, OLD, DESIGNS, K, M, G } from '../workloads/buddy.ts';
import { runPerDesign, type FragParams } from '../workloads/buddy-runs.ts';

export const buddyFragmentation = defineScenario<FragParams>({
  name: 'buddy-fragmentation',
  title: "The kernel's fragmentation_performance KUnit case, timed",
  claim:
    'The unified design runs gpu_test_buddy_fragmentation_performance (8 KiB at 64 KiB alignment over the whole space, a mixed cleared/dirty free, then 64 KiB allocations over the whole space; and a reverse-ordered cleared free) at least as fast as the dual-tree design (ratio of median total times >= 1.0x, each design in a worker thread of its own, rounds interleaved).',
  designs: DESIGNS,
  metrics: {
    'fragmented allocation ms': { unit: 'ms', better: 'lower', description: 'part (a): 8K@64K allocs, mixed free, 64K allocs, free (median over rounds)' },
    'reverse-ordered free ms': { unit: 'ms', better: 'lower', description: 'part (b): 8K@64K allocs, even ones freed, the rest in reverse (median over rounds)' },
    'total ms': { unit: 'ms', better: 'lower', description: 'median over rounds of (a) + (b)' },
    'total ms min': { unit: 'ms', better: 'lower' },
    'total ms max': { unit: 'ms', better: 'lower' },
    'free blocks left': { unit: 'blocks', better: 'lower', description: 'free blocks after part (b)' },
  },
  params: { full: { size: 4 * G, rounds: 3 }, quick: { size: 256 * M, rounds: 7 } },
  describe: (p) =>
    `${formatBytes(p.size)} space, ${p.size / (64 * K)} blocks per pass (the kernel uses 4 GiB / 65,536); ${p.rounds} rounds per design, interleaved, each design in its own worker thread`,
  async run(p, ctx) {
    const runs = await runPerDesign('fragmentation', p, (done, total, label) => ctx.progress(done, total, label));
    ctx.progress(1, 1);
    const figures: Record<string, Record<string, number>> = {};
    for (const design of DESIGNS) {
      const r = runs[design]!;
      const total = spread(r.map((x) => x.fragmentedMs + x.reverseMs));
      figures[design] = {
        'fragmented allocation ms': spread(r.map((x) => x.fragmentedMs)).median,
        'reverse-ordered free ms': spread(r.map((x) => x.reverseMs)).median,
        'total ms': total.median,
        'total ms min': total.min,
        'total ms max': total.max,
        'free blocks left': r[0]!.freeBlocksLeft,
      };
    }
    const n = figures[NEW]!;
    const o = figures[OLD]!;
    const ratio = o['total ms']! / n['total ms']!;
    return {
      figures,
      met: ratio >= 1,
      verdict: `dual-tree ${formatNumber(o['total ms']!)} ms / unified ${formatNumber(n['total ms']!)} ms = ${formatRatio(ratio)} (threshold 1.0x; medians of ${p.rounds} rounds, unified ${formatNumber(n['total ms min']!)}-${formatNumber(n['total ms max']!)} ms, dual-tree ${formatNumber(o['total ms min']!)}-${formatNumber(o['total ms max']!)} ms)`,
      notes: [
        'Each design runs in a worker thread of its own (as a program uses one design), so neither pays for the other\'s compiled code nor for running first; the first round of each includes its warm-up, and the median sets it aside.',
      ],
    };
  },
});
