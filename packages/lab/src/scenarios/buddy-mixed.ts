import { defineScenario, type MetricInfo } from '../scenario.ts';
import { formatBytes, formatNumber } from '../format.ts';
import { appliesFrom, judge, judgeRatio, ratios, spreadOf } from '../kit/claims.ts';
import { median } from '../kit/stats.ts';
import { NEW, OLD, DESIGNS, M, G } from '../workloads/buddy.ts';
import { runPerDesign, type MixedParams, type MixedRun, type SlowestCall } from '../workloads/buddy-runs.ts';

const mixedMetrics: Record<string, MetricInfo> = {
  'contiguous served': { unit: 'requests', description: 'contiguous requests served (the workloads diverge, so compare failures)' },
  'contiguous allowed': { unit: 'requests', description: 'requests for which a free aligned window existed (brute force)' },
  'failed while allowed': { unit: 'requests', better: 'lower' },
  'success rate': { unit: '%', better: 'higher', description: 'served / allowed' },
  'alloc p50 us': { unit: 'us', better: 'lower', description: 'median over rounds' },
  'alloc p50 us min': { unit: 'us', better: 'lower' },
  'alloc p50 us max': { unit: 'us', better: 'lower' },
  'alloc p99 us': { unit: 'us', better: 'lower', description: 'median over rounds' },
  'alloc max us': { unit: 'us', better: 'lower', description: 'the slowest call of a round, median over rounds (see the notes for what it is)' },
  'cleared bytes taken by dirty allocs': { unit: 'bytes', better: 'lower' },
  'total ms': { unit: 'ms', better: 'lower', description: 'median over rounds' },
};

/** The unified design's typical alloc() is no slower: dual-tree p50 / unified p50 >= this. */
const P50_RATIO = 1;
/** The force-merge tail: dual-tree p99 / unified p99 >= this. */
const P99_RATIO = 10;
/** The smallest space where the p99 gap reaches P99_RATIO (measured: 3.9x at 1 GiB, 9.2x at 4 GiB, 20x at 8 GiB). */
const P99_FROM = 8 * G;

const churn = (p: MixedParams) => `${formatNumber(p.ops)} random cleared and dirty allocations and frees near full on ${formatBytes(p.size)}`;
const rounds = (p: MixedParams) => `median of ${p.rounds} interleaved rounds, each design in a worker thread of its own`;
const CONTIGUOUS_CLAIM = (p: MixedParams) =>
  `After ${churn(p)}, the unified design never fails a contiguous request (${p.tries} each of ${p.contiguous.map((s) => formatBytes(s)).join(', ')}) for which a free aligned window exists (brute-force scan of the caller's page record)`;
const P50_CLAIM = (p: MixedParams) =>
  `In ${churn(p)}, the unified design's median alloc() latency is at most the dual-tree design's (ratio >= ${P50_RATIO.toFixed(1)}x, ${rounds(p)})`;
const P99_CLAIM = (p: MixedParams) =>
  `In ${churn(p)}, the unified design's p99 alloc() latency is at least ${P99_RATIO}x lower than the dual-tree design's, whose __force_merge scans the free trees (${rounds(p)})`;

export const buddyMixed = defineScenario<MixedParams>({
  name: 'buddy-mixed',
  title: 'Mixed cleared/dirty churn, then high-order contiguous requests',
  claim: (p) => `${CONTIGUOUS_CLAIM(p)}; ${P50_CLAIM(p)}; ${P99_CLAIM(p)}`,
  designs: DESIGNS,
  metrics: mixedMetrics,
  params: {
    full: { size: 8 * G, ops: 300_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [64 * M, 32 * M, 16 * M, 8 * M, 4 * M, 2 * M], tries: 6, seed: 11, rounds: 3 },
    quick: { size: 256 * M, ops: 30_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, contiguous: [16 * M, 8 * M, 4 * M, 2 * M], tries: 4, seed: 11, rounds: 7 },
  },
  describe: (p) =>
    `${formatBytes(p.size)} space kept ~${Math.round(p.fill * 100)}% full over ${formatNumber(p.ops)} random alloc/free operations (4-64 KiB, a fifth of them at 256 KiB alignment, and ${Math.round(p.bigShare * 100)}% 128 KiB-2 MiB with minBlockSize 64 KiB-2 MiB; half ask for clear memory, ${Math.round(p.clearedFrees * 100)}% of frees are cleared), then ${Math.round(p.release * 100)}% of the live set freed and ${p.tries} contiguous requests each of ${p.contiguous.map((s) => formatBytes(s)).join(', ')}; seed ${p.seed}; ${p.rounds} rounds per design, interleaved, each design in its own worker thread`,
  async run(p, ctx) {
    // Every round makes the same calls: each round after the first watches the previous round's slowest call.
    const runs = await runPerDesign('mixed', p, (done, total, label) => ctx.progress(done, total, label), {
      later: (earlier) => ({ ...p, watch: earlier.at(-1)!.slowest.call }),
    });
    ctx.progress(1, 1);
    const timings = (design: string, key: string) => runs[design]!.map((r) => r.figures[key]!);
    const figures: Record<string, Record<string, number>> = {};
    for (const design of DESIGNS) {
      // Every round makes the same requests and gets the same blocks: only the times differ.
      const p50 = spreadOf(timings(design, 'alloc p50 us'));
      figures[design] = {
        ...runs[design]![0]!.figures,
        'alloc p50 us': p50.median,
        'alloc p50 us min': p50.min,
        'alloc p50 us max': p50.max,
        'alloc p99 us': median(timings(design, 'alloc p99 us')),
        'alloc max us': median(timings(design, 'alloc max us')),
        'total ms': median(timings(design, 'total ms')),
      };
    }
    const n = figures[NEW]!;
    const o = figures[OLD]!;
    const contiguous = judge(
      CONTIGUOUS_CLAIM(p),
      n['contiguous allowed'] === 0 ? undefined : n['failed while allowed'] === 0,
      `unified failed ${n['failed while allowed']} of ${n['contiguous allowed']} allowed contiguous requests (dual-tree ${o['failed while allowed']} of ${o['contiguous allowed']})`,
    );
    const ratioOf = (key: string) => ratios(timings(OLD, key), timings(NEW, key));
    const p50 = judgeRatio(P50_CLAIM(p), ratioOf('alloc p50 us'), P50_RATIO, 'dual-tree / unified p50 ');
    const p99 = judgeRatio(P99_CLAIM(p), ratioOf('alloc p99 us'), P99_RATIO, 'dual-tree / unified p99 ');
    const excluded = appliesFrom(P99_CLAIM(p), p.size, P99_FROM, formatBytes,
      `__force_merge scans more free blocks the larger the space, so the p99 gap grows with it (measured 3.9x at 1 GiB, 9.2x at 4 GiB, 20x at 8 GiB); this run: ${p99.detail}`);
    return {
      figures,
      claims: [contiguous, p50, ...(excluded ? [] : [p99])],
      ...(excluded ? { excluded: [excluded] } : {}),
      notes: [
        'A power-of-two contiguous request can only be served by a buddy allocator from a free window aligned to its size, so "allowed" means such a window exists in the caller\'s own page record.',
        'Latency is wall time per alloc() call (performance.now()) on one thread; the dual-tree design pays for __force_merge, a scan of the free trees, when a request fails while cleared memory exists.',
        slowestCallNote(n['alloc max us']!, o['alloc max us']!, p.ops),
        ...DESIGNS.map((d) => whatTheSlowestCallWas(d, runs[d]!)),
      ],
    };
  },
});

function slowestCallNote(unified: number, dualTree: number, ops: number): string {
  const worse = unified > dualTree ? ': worse on the unified design, and the next lines say why' : '';
  return `Slowest single alloc() call of ${formatNumber(ops)}+ (median over rounds): unified ${formatNumber(unified)} us, dual-tree ${formatNumber(dualTree)} us${worse}.`;
}

/** A call made again within this many times its round's p99 took an ordinary time. */
const ORDINARY_VS_P99 = 10;
/** Typed arrays gained during one call from which the call grew the allocator's metadata. */
const METADATA_GROWTH = 1 << 20;

const list = (items: readonly string[]) => (items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/**
 * What made a design's slowest calls slow, measured: the workload is seeded, so the call that was
 * slowest in one round is made again in the next, which times it and reads how many typed-array
 * bytes the process gained during it. Typed arrays gained: the allocator's block metadata growing
 * (its columns copied into twice the space). Slow again without: the call's own work. An ordinary
 * time again: the first time was the machine's.
 */
export function whatTheSlowestCallWas(design: string, runs: readonly MixedRun[]): string {
  const call = (c: SlowestCall) => `alloc() call #${formatNumber(c.call + 1)} (${c.request})`;
  const us = (x: number) => `${formatNumber(x)} us`;
  const pairs = runs.slice(1).flatMap((next, i) => {
    const slowest = runs[i]!.slowest;
    const again = next.watched;
    if (again?.call !== slowest.call) return [];
    const p99 = next.figures['alloc p99 us'] ?? 0;
    const why = again.arrayBufferBytes >= METADATA_GROWTH ? 'metadata' : again.us > ORDINARY_VS_P99 * p99 ? 'own' : 'machine';
    return [{ round: i + 1, slowest, again, p99, why }];
  });
  if (pairs.length === 0) return `${design}: the slowest call was ${call(runs[0]!.slowest)}, ${us(runs[0]!.slowest.us)}; no later round made it again.`;
  // One sentence per call (a call may be the slowest of several rounds).
  const calls = [...new Set(pairs.map((x) => x.slowest.call))].map((c) => pairs.filter((x) => x.slowest.call === c));
  const sentences = calls.map((same) => {
    const first = same[0]!;
    const rounds = same.length === 1 ? `round ${first.round}` : `rounds ${list(same.map((x) => String(x.round)))}`;
    const head = `the slowest call of ${rounds}, ${call(first.slowest)}, took ${list(same.map((x) => us(x.slowest.us)))}, and ${list(same.map((x) => us(x.again.us)))} when made again`;
    const grew = same.find((x) => x.why === 'metadata');
    if (grew) return `${head}; the process gained ${formatBytes(grew.again.arrayBufferBytes)} of typed arrays during it: the allocator's block metadata growing (every column copied into arrays of twice the capacity), not a search of the free trees`;
    if (same.some((x) => x.why === 'own')) return `${head}, still more than ${ORDINARY_VS_P99}x the p99 (${us(first.p99)}) with no typed arrays gained: the call's own work`;
    return `${head}, an ordinary time (within ${ORDINARY_VS_P99}x the p99 of ${us(first.p99)}): the first time was the machine's (a garbage collection, compilation or another process), not the call's`;
  });
  return `${design}: ${sentences.join('; ')}.`;
}
