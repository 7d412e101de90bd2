import { defineScenario } from '../scenario.ts';
import { formatBytes, formatNumber } from '../format.ts';
import { judge, judgeRatio, ratios, spreadOf } from '../kit/claims.ts';
import { NEW, OLD, DESIGNS, M, G } from '../workloads/buddy.ts';
import { runPerDesign, type NoClearParams } from '../workloads/buddy-runs.ts';

/**
 * The reviewer's question about the 2026 redesign: does a driver that never uses clear tracking
 * lose anything by it? It should not: with no cleared memory the unified design places every
 * block where the dual-tree design does (both take the highest block of the smallest order that
 * fits, and every buddy pair merges), and it does no clear bookkeeping.
 */
/** The unified design is at least as fast: dual-tree time / unified time >= this. */
const AS_FAST = 1;
const churn = (p: NoClearParams) => `a ${formatNumber(p.ops)}-operation random churn near full on ${formatBytes(p.size)} that never passes clear or cleared (minBlockSize, top-down, contiguous, range and exact requests and trims)`;
const SAME_CLAIM = (p: NoClearParams) =>
  `For ${churn(p)}, the unified design returns exactly the blocks the dual-tree design returns (every allocation, and the same free blocks at the end)`;
const SPEED_CLAIM = (p: NoClearParams) =>
  `The unified design runs ${churn(p)} at least as fast as the dual-tree design (ratio >= ${AS_FAST.toFixed(1)}x, median of ${p.rounds} interleaved rounds, each design in a worker thread of its own)`;

export const buddyNoClear = defineScenario<NoClearParams>({
  name: 'buddy-no-clear',
  title: 'A driver that never passes clear flags: same placements, no cost',
  claim: (p) => `${SAME_CLAIM(p)}; ${SPEED_CLAIM(p)}`,
  designs: DESIGNS,
  metrics: {
    'churn ms': { unit: 'ms', better: 'lower', description: 'the whole churn, median over rounds' },
    'churn ms min': { unit: 'ms', better: 'lower' },
    'churn ms max': { unit: 'ms', better: 'lower' },
    'allocations': { unit: 'calls', description: 'alloc() calls' },
    'failed allocations': { unit: 'calls', description: 'alloc() calls that returned undefined (near full, or an exact range in use)' },
    'placement hash': { unit: 'hash', description: 'FNV-1a over the offset and size of every block returned, in order' },
    'free blocks hash': { unit: 'hash', description: 'FNV-1a over the free blocks at the end' },
  },
  params: {
    full: { size: 1 * G, ops: 200_000, fill: 0.85, seed: 23, rounds: 5 },
    quick: { size: 256 * M, ops: 60_000, fill: 0.85, seed: 23, rounds: 7 },
  },
  describe: (p) =>
    `${formatBytes(p.size)} space kept ~${Math.round(p.fill * 100)}% full over ${formatNumber(p.ops)} random operations (4-64 KiB buffers, a tenth at 64 KiB minBlockSize, 5% top-down; contiguous requests of 4-256 KiB; range requests in a random sixteenth of the space, half top-down; exact placements; 128 KiB-2 MiB buffers with 2 MiB pages; trims), no clear flag anywhere; seed ${p.seed}; ${p.rounds} rounds per design, interleaved, each design in its own worker thread`,
  async run(p, ctx) {
    const runs = await runPerDesign('noClear', p, (done, total, label) => ctx.progress(done, total, label));
    ctx.progress(1, 1);
    const figures: Record<string, Record<string, number>> = {};
    for (const design of DESIGNS) {
      const r = runs[design]!;
      const ms = spreadOf(r.map((x) => x.ms));
      figures[design] = {
        'churn ms': ms.median,
        'churn ms min': ms.min,
        'churn ms max': ms.max,
        allocations: r[0]!.allocs,
        'failed allocations': r[0]!.failed,
        'placement hash': r[0]!.placements,
        'free blocks hash': r[0]!.freeBlocks,
      };
    }
    // Identical across designs, and across rounds (the workload is deterministic).
    const all = DESIGNS.flatMap((d) => runs[d]!);
    const identical = all.every(
      (x) => x.placements === all[0]!.placements && x.freeBlocks === all[0]!.freeBlocks && x.allocs === all[0]!.allocs && x.failed === all[0]!.failed,
    );
    const n = figures[NEW]!;
    const same = judge(SAME_CLAIM(p), identical,
      `placements ${identical ? 'identical' : 'DIFFER'} in every round of both designs (${formatNumber(n['allocations']!)} allocations, ${formatNumber(n['failed allocations']!)} failed)`);
    const speed = judgeRatio(SPEED_CLAIM(p), ratios(runs[OLD]!.map((x) => x.ms), runs[NEW]!.map((x) => x.ms)), AS_FAST, 'dual-tree / unified churn time ');
    return {
      figures,
      claims: [same, speed],
      notes: [
        'The churn time includes the driver\'s own bookkeeping (random numbers, its live list), the same work for both designs.',
        'With no cleared memory, the unified design\'s tracker and its trees of all-cleared blocks stay empty and are never consulted; the dual-tree design never force-merges (it has no cleared memory either).',
      ],
    };
  },
});
