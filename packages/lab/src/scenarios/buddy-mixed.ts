import { defineScenario, type MetricInfo } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { spread } from '../kit/design-workers.ts';
import { NEW, OLD, DESIGNS, M, G } from '../workloads/buddy.ts';
import { runPerDesign, type MixedParams } from '../workloads/buddy-runs.ts';

const mixedMetrics: Record<string, MetricInfo> = {
  'contiguous served': { unit: 'requests', description: 'contiguous requests served (the workloads diverge, so compare failures)' },
  'contiguous allowed': { unit: 'requests', description: 'requests for which a free aligned window existed (brute force)' },
  'failed while allowed': { unit: 'requests', better: 'lower' },
  'success rate': { unit: '%', better: 'higher', description: 'served / allowed' },
  'alloc p50 us': { unit: 'us', better: 'lower', description: 'median over rounds' },
  'alloc p50 us min': { unit: 'us', better: 'lower' },
  'alloc p50 us max': { unit: 'us', better: 'lower' },
  'alloc p99 us': { unit: 'us', better: 'lower', description: 'median over rounds' },
  'alloc max us': { unit: 'us', better: 'lower', description: 'median over rounds' },
  'cleared bytes taken by dirty allocs': { unit: 'bytes', better: 'lower' },
  'total ms': { unit: 'ms', better: 'lower', description: 'median over rounds' },
};

export const buddyMixed = defineScenario<MixedParams>({
  name: 'buddy-mixed',
  title: 'Mixed cleared/dirty churn, then high-order contiguous requests',
  claim:
    'After a long random churn of cleared and dirty allocations and frees near full, the unified design never fails a contiguous request for which a free aligned window exists (brute-force scan of the caller\'s page record), and its p99 allocation latency is at least 10x lower than the dual-tree design\'s.',
  designs: DESIGNS,
  metrics: mixedMetrics,
  params: {
    full: { size: 8 * G, ops: 300_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [64 * M, 32 * M, 16 * M, 8 * M, 4 * M, 2 * M], tries: 6, seed: 11, rounds: 3 },
    quick: { size: 256 * M, ops: 30_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [16 * M, 8 * M, 4 * M, 2 * M], tries: 4, seed: 11, rounds: 7 },
  },
  describe: (p) =>
    `${formatBytes(p.size)} space kept ~${Math.round(p.fill * 100)}% full over ${formatNumber(p.ops)} random alloc/free operations (4-64 KiB, a fifth of them at 256 KiB alignment, and ${Math.round(p.bigShare * 100)}% 128 KiB-2 MiB with minBlockSize 64 KiB-2 MiB; half ask for clear memory, ${Math.round(p.clearedFrees * 100)}% of frees are cleared), then ${Math.round(p.release * 100)}% of the live set freed and ${p.tries} contiguous requests each of ${p.contiguous.map((s) => formatBytes(s)).join(', ')}; seed ${p.seed}; ${p.rounds} rounds per design, interleaved, each design in its own worker thread`,
  async run(p, ctx) {
    const runs = await runPerDesign('mixed', p, (done, total, label) => ctx.progress(done, total, label));
    ctx.progress(1, 1);
    const figures: Record<string, Record<string, number>> = {};
    for (const design of DESIGNS) {
      // Every round makes the same requests and gets the same blocks: only the times differ.
      const r = runs[design]!;
      const p50 = spread(r.map((x) => x['alloc p50 us']!));
      figures[design] = {
        ...r[0]!,
        'alloc p50 us': p50.median,
        'alloc p50 us min': p50.min,
        'alloc p50 us max': p50.max,
        'alloc p99 us': spread(r.map((x) => x['alloc p99 us']!)).median,
        'alloc max us': spread(r.map((x) => x['alloc max us']!)).median,
        'total ms': spread(r.map((x) => x['total ms']!)).median,
      };
    }
    const n = figures[NEW]!;
    const o = figures[OLD]!;
    const ratio = o['alloc p99 us']! / n['alloc p99 us']!;
    const met = n['failed while allowed'] === 0 && ratio >= 10;
    return {
      figures,
      met,
      verdict: `unified failed ${n['failed while allowed']} of ${n['contiguous allowed']} allowed contiguous requests (dual-tree ${o['failed while allowed']}); p99 ${formatNumber(o['alloc p99 us']!)} us / ${formatNumber(n['alloc p99 us']!)} us = ${formatRatio(ratio)} (threshold 10x)`,
      notes: [
        `Median allocation latency (p50, median of ${p.rounds} interleaved rounds): dual-tree ${formatNumber(o['alloc p50 us']!)} us / unified ${formatNumber(n['alloc p50 us']!)} us = ${formatRatio(o['alloc p50 us']! / n['alloc p50 us']!)}.`,
        'A power-of-two contiguous request can only be served by a buddy allocator from a free window aligned to its size, so "allowed" means such a window exists in the caller\'s own page record.',
        'Latency is wall time per alloc() call (performance.now()) on one thread; the dual-tree design pays for __force_merge, a scan of the free trees, when a request fails while cleared memory exists. That cost grows with the number of free blocks, so the p99 gap grows with the space: measured 3.9x at 1 GiB, 9.2x at 4 GiB and 20x at 8 GiB (the default); --quick (256 MiB) is too small to show it.',
      ],
    };
  },
});
