import { defineScenario, type Chart } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { spreadOf } from '../kit/claims.ts';
import { NEW, OLD, DESIGNS, K, G } from '../workloads/buddy.ts';
import { runPerDesign, type VkctsParams } from '../workloads/buddy-runs.ts';

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
    'test ms': { unit: 'ms', better: 'lower', description: 'the 4000 allocations and frees, median over rounds' },
    'test ms min': { unit: 'ms', better: 'lower' },
    'test ms max': { unit: 'ms', better: 'lower' },
  },
  params: {
    full: { size: 8 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 3000, seed: 7, rounds: 5 },
    quick: { size: 2 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 1000, seed: 7, rounds: 7 },
  },
  describe: (p) =>
    `a ${formatBytes(p.size)} VRAM (4 KiB chunks) lived in by ${p.background} random 4 KiB-2 MiB allocations (half freed), then ${p.count} allocations of ${formatBytes(p.blockSize)} with minBlockSize ${formatBytes(p.align)}, freed in reverse, every other one as cleared; seed ${p.seed}; ${p.rounds} rounds per design, interleaved, each design in its own worker thread`,
  async run(p, ctx) {
    const runs = await runPerDesign('vkcts', p, (done, total, label) => ctx.progress(done, total, label));
    const figures: Record<string, Record<string, number>> = {};
    const points: Chart['points'] = [];
    const sum = (h: number[]): number => h.reduce((a, b) => a + b, 0);
    for (const design of DESIGNS) {
      // Every round places the same blocks: the block counts and the map come from the first.
      const { before, after, clearAvail } = runs[design]![0]!;
      const ms = spreadOf(runs[design]!.map((r) => r.ms));
      figures[design] = {
        'free blocks before': sum(before),
        'free blocks after': sum(after),
        'extra blocks left': sum(after) - sum(before),
        'orders changed': before.filter((n, k) => after[k] !== n).length,
        'cleared bytes kept': clearAvail,
        'test ms': ms.median,
        'test ms min': ms.min,
        'test ms max': ms.max,
      };
      for (let k = 0; k < before.length; k++) {
        if (before[k] === 0 && after[k] === 0) continue;
        points.push({ series: `${design}: before`, x: k, y: before[k]! });
        points.push({ series: `${design}: after`, x: k, y: after[k]! });
      }
    }
    const maps = DESIGNS.map((d) => runs[d]![0]!.map);
    ctx.progress(1, 1);
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
        `Test time (median of ${p.rounds} interleaved rounds, each design in its own worker thread): dual-tree ${formatNumber(o['test ms']!)} ms / unified ${formatNumber(n['test ms']!)} ms = ${formatRatio(o['test ms']! / n['test ms']!)}.`,
        'Cleared frees stay known to the unified design (clearAvail) while its blocks merge; the dual-tree design cannot merge a cleared 8 KiB block with its dirty buddy, so every 256 KiB window stays split.',
      ],
    };
  },
});
