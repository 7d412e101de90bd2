import { BUDDY_DESIGNS, type BuddyDesign } from 'kalloc';
import { defineScenario, type Chart, type ClaimOutcome } from '../scenario.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { appliesFrom, judge, judgeAll, judgeRatio, ratios, spreadOf } from '../kit/claims.ts';
import { ReviewThread } from '../kit/review.ts';
import { G, K, M } from '../workloads/buddy.ts';
import { runPerDesign, type VkctsParams } from '../workloads/buddy-runs.ts';
import type { ReviewChurnParams } from '../workloads/buddy-review.ts';

/**
 * The questions of Matthew Auld's review of the 2026 gpu_buddy clear tracker, answered on every
 * design of the buddy registry: the redesign, the dual-tree baseline, and the three alternatives
 * the review proposed (one-shot full merge, per-order failed-merge list, extent tracking of all
 * free memory). Each question is a claim with a threshold fixed before the first measurement.
 */
const THREAD = 'gpu_buddy clear tracker thread (dri-devel, 2026: Matthew Auld)';
const byId = (id: string): BuddyDesign => BUDDY_DESIGNS.find((d) => d.id === id)!;
const UNIFIED = byId('unified');
const LEGACY = byId('legacy');
const FULL = byId('legacy-full-merge');
const LIST = byId('legacy-failed-list');
const EXTENT = byId('extent');
const ALL = [UNIFIED, LEGACY, FULL, LIST, EXTENT];
const LABELS = ALL.map((d) => d.label);
const DUAL_TREES = [LEGACY, FULL, LIST];

interface Params {
  churn: ReviewChurnParams;
  vkcts: VkctsParams;
  /** Space of the kernel's fragmentation_performance case, run once per design. */
  fragmentation: number;
}

/** Space from which the tail-latency claims against the dual-tree designs apply. */
const LATENCY_FROM = 1 * G;
const LATENCY_CHART = 'Allocation latency per design during the churn (us, median of rounds)';
const ODD_CHART = 'Non-power-of-two contiguous requests failed while enough consecutive free pages existed';

export const reviewGpuBuddy = defineScenario<Params>({
  name: 'review-gpu-buddy',
  title: 'Review: the gpu_buddy clear tracker thread, measured',
  claim: "Each question of the clear tracker review is one claim below, with its threshold; the scenario is met when all hold.",
  designs: LABELS,
  metrics: {
    'alloc p50 us': { unit: 'us', better: 'lower', description: 'per alloc() during the churn, median of rounds' },
    'alloc p99 us': { unit: 'us', better: 'lower', description: 'median of rounds' },
    'alloc max us': { unit: 'us', better: 'lower', description: 'median of rounds' },
    'alloc total ms': { unit: 'ms', better: 'lower', description: 'sum of alloc() times during the churn, median of rounds' },
    'force-merge runs': { unit: 'runs', better: 'lower', description: 'allocations that hit the merge barrier' },
    'force-merge blocks examined': { unit: 'blocks', better: 'lower', description: 'free blocks (or list entries) force-merge visited' },
    'odd contiguous allowed': { unit: 'requests', description: 'non-power-of-two contiguous requests for which enough consecutive free pages existed (brute force)' },
    'odd contiguous served': { unit: 'requests', better: 'higher' },
    'odd failed while allowed': { unit: 'requests', better: 'lower' },
    'odd contiguous p50 us': { unit: 'us', better: 'lower', description: 'median of rounds' },
    'odd contiguous max us': { unit: 'us', better: 'lower', description: 'median of rounds' },
    'dirty-alloc bytes': { unit: 'bytes', description: 'bytes handed to allocations that did not ask for clear memory' },
    'cleared bytes taken by dirty allocs': { unit: 'bytes', better: 'lower' },
    'avoidable cleared bytes taken': { unit: 'bytes', better: 'lower', description: 'taken while a wholly dirty free window as large as the block was left' },
    'cleared bytes kept': { unit: 'bytes', better: 'higher', description: 'clearAvail at the end' },
    'vkcts extra blocks': { unit: 'blocks', better: 'lower', description: 'free blocks left by the VKCTS 8 KiB x 4000 test beyond those before it' },
    'vkcts cleared bytes kept': { unit: 'bytes', better: 'higher' },
    'vkcts ms': { unit: 'ms', better: 'lower' },
    'fragmentation ms': { unit: 'ms', better: 'lower', description: "the kernel's fragmentation_performance case, both parts" },
    'fragmentation blocks left': { unit: 'blocks', better: 'lower', description: 'free blocks after its reverse-ordered free' },
  },
  params: {
    full: {
      churn: { size: 1 * G, ops: 120_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, seed: 11, odd: [24 * M, 12 * M, 6 * M, 3 * M, 1.5 * M, 768 * K], tries: 4, rounds: 3 },
      vkcts: { size: 4 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 2000, seed: 7, rounds: 1 },
      fragmentation: 1 * G,
    },
    quick: {
      churn: { size: 256 * M, ops: 20_000, fill: 0.9, bigShare: 0.2, clearedFrees: 0.7, release: 0.8, seed: 11, odd: [12 * M, 6 * M, 3 * M, 1.5 * M, 768 * K], tries: 4, rounds: 2 },
      vkcts: { size: 2 * G, count: 4000, blockSize: 8 * K, align: 256 * K, background: 1000, seed: 7, rounds: 1 },
      fragmentation: 64 * M,
    },
  },
  describe: ({ churn: c, vkcts: v, fragmentation }) =>
    `every buddy design (${ALL.map((d) => d.id).join(', ')}), each in its own worker thread: a ${formatBytes(c.size)} space kept ~${Math.round(c.fill * 100)}% full over ${formatNumber(c.ops)} random alloc/free operations (the buddy-mixed churn, seed ${c.seed}), ${Math.round(c.release * 100)}% of the live set freed, then ${c.tries} contiguous requests each of ${c.odd.map((s) => formatBytes(s)).join(', ')}; ${c.rounds} rounds, interleaved. VKCTS 8 KiB x ${v.count} at ${formatBytes(v.align)} on a ${formatBytes(v.size)} space lived in by ${v.background} allocations; the fragmentation_performance case on ${formatBytes(fragmentation)}`,
  async run(p, ctx) {
    const total = p.churn.rounds * ALL.length + 2 * ALL.length;
    let base = 0;
    const step = (done: number, _n: number, label: string): void => ctx.progress(base + done, total, label);
    // Where the latency claims apply, an untimed warm-up per design first (a short churn), so that
    // the first round is not the compiler's.
    const timed = p.churn.size >= LATENCY_FROM;
    const warmup = { ...p.churn, ops: Math.min(p.churn.ops, 5000), odd: p.churn.odd.slice(-1), tries: 1 };
    const churns = await runPerDesign('review', p.churn, step, { designs: LABELS, ...(timed ? { warmup } : {}) });
    base += p.churn.rounds * ALL.length;
    const vkcts = await runPerDesign('vkcts', p.vkcts, step, { designs: LABELS });
    base += ALL.length;
    const frag = await runPerDesign('fragmentation', { size: p.fragmentation, rounds: 1 }, step, { designs: LABELS });
    ctx.progress(total, total);

    const figures: Record<string, Record<string, number>> = {};
    const TIMED = ['alloc p50 us', 'alloc p99 us', 'alloc max us', 'alloc total ms', 'odd contiguous p50 us', 'odd contiguous max us'];
    const sum = (h: number[]): number => h.reduce((a, b) => a + b, 0);
    for (const d of ALL) {
      // Every round makes the same requests and gets the same blocks: only the times differ.
      const rounds = churns[d.label]!;
      const v = vkcts[d.label]![0]!;
      const fr = frag[d.label]![0]!;
      figures[d.label] = {
        ...rounds[0]!,
        ...Object.fromEntries(TIMED.map((m) => [m, spreadOf(rounds.map((r) => r[m]!)).median])),
        'vkcts extra blocks': sum(v.after) - sum(v.before),
        'vkcts cleared bytes kept': v.clearAvail,
        'vkcts ms': v.ms,
        'fragmentation ms': fr.fragmentedMs + fr.reverseMs,
        'fragmentation blocks left': fr.freeBlocksLeft,
      };
    }
    const f = (d: BuddyDesign, m: string): number => figures[d.label]![m]!;
    const perRound = (d: BuddyDesign, m: string): number[] => churns[d.label]!.map((r) => r[m]!);
    const n = p.churn.rounds;
    const review = new ReviewThread(THREAD);
    /**
     * A tail-latency claim against the dual-tree designs: force-merge scans the free blocks, so
     * what it costs grows with the space; below 1 GiB the scans are too short to tell (as in
     * buddy-mixed).
     */
    const latencyClaim = (question: string, claim: ClaimOutcome, answer: string): void => {
      const excluded = appliesFrom(claim.text, p.churn.size, LATENCY_FROM, formatBytes, 'force-merge scans the free blocks, so its cost grows with the space; below this the scans are too short to tell');
      if (excluded) review.exclude(question, excluded, LATENCY_CHART);
      else review.answer(question, claim, answer, LATENCY_CHART);
    };

    // 1. One-shot full merge vs piecemeal force-merge.
    const runsRatio = f(FULL, 'force-merge runs') / f(LEGACY, 'force-merge runs');
    const fullTime = judgeRatio('', ratios(perRound(LEGACY, 'alloc total ms'), perRound(FULL, 'alloc total ms')), 1, 'legacy / one-shot allocation time ');
    review.answer(
      'Would merging everything at once, at the first sign of trouble, beat merging piecemeal?',
      judgeAll(`The one-shot full merge (legacy-full-merge) hits the merge barrier at most 0.5x as often as piecemeal force-merge, and spends less allocation time in the churn (legacy / one-shot >= 1.0x, median of ${n} interleaved rounds).`, [
        judge('', f(LEGACY, 'force-merge runs') > 0 ? runsRatio <= 0.5 : undefined, `force-merge runs ${formatNumber(f(FULL, 'force-merge runs'))} vs ${formatNumber(f(LEGACY, 'force-merge runs'))} = ${formatRatio(runsRatio)} (threshold <= 0.5x)`),
        fullTime,
      ]),
      `One-shot merging hit the barrier ${formatNumber(f(FULL, 'force-merge runs'))} times against ${formatNumber(f(LEGACY, 'force-merge runs'))} (frees rebuild it); piecemeal merging took ${formatRatio(f(LEGACY, 'alloc total ms') / f(FULL, 'alloc total ms'))} the one-shot design's allocation time, which kept ${formatBytes(f(FULL, 'cleared bytes kept'))} cleared against ${formatBytes(f(LEGACY, 'cleared bytes kept'))}; the unified design never merges by force.`,
      LATENCY_CHART,
    );

    // 2. The failed-merge list: what force-merge looks at, and (from 1 GiB) what it costs.
    const visitRatio = f(LIST, 'force-merge blocks examined') / f(LEGACY, 'force-merge blocks examined');
    const listP99 = judgeRatio(
      `With the failed-merge list the p99 allocation latency in the churn is no higher than with the scan (legacy / list >= 1.0x, median of ${n} interleaved rounds).`,
      ratios(perRound(LEGACY, 'alloc p99 us'), perRound(LIST, 'alloc p99 us')),
      1,
      'legacy / list p99 ',
    );
    const listQuestion = 'Would a per-order record of the blocks that failed to merge at free time let force-merge visit only those instead of scanning?';
    review.answer(
      listQuestion,
      judge(
        'The failed-merge list (legacy-failed-list) makes force-merge examine at most 0.25x the blocks the scan examines.',
        f(LEGACY, 'force-merge blocks examined') > 0 ? visitRatio <= 0.25 : undefined,
        `blocks examined ${formatNumber(f(LIST, 'force-merge blocks examined'))} vs ${formatNumber(f(LEGACY, 'force-merge blocks examined'))} = ${formatRatio(visitRatio)} (threshold <= 0.25x)`,
      ),
      `The list examined ${formatRatio(visitRatio)} of the blocks the scan did (${formatNumber(f(LIST, 'force-merge blocks examined'))} vs ${formatNumber(f(LEGACY, 'force-merge blocks examined'))}), p99 ${formatNumber(f(LIST, 'alloc p99 us'))} us vs ${formatNumber(f(LEGACY, 'alloc p99 us'))} us; but the merge barrier stays: VKCTS leaves ${formatNumber(f(LIST, 'vkcts extra blocks'))} extra free blocks, against ${formatNumber(f(UNIFIED, 'vkcts extra blocks'))} for the unified design.`,
      LATENCY_CHART,
    );
    latencyClaim(listQuestion, listP99, `p99: list ${formatNumber(f(LIST, 'alloc p99 us'))} us, scan ${formatNumber(f(LEGACY, 'alloc p99 us'))} us (${listP99.detail}).`);

    // 3. Extent tracking of all free memory instead of try-harder.
    const oddAllowed = f(EXTENT, 'odd contiguous allowed');
    review.answer(
      'Would extent tracking of all free memory (not only cleared memory) serve contiguous requests better than try-harder?',
      judge(
        'Extent tracking (extent) fails no non-power-of-two contiguous request for which enough consecutive free pages exist, and serves at least as many as try-harder in the unified design.',
        oddAllowed > 0 ? f(EXTENT, 'odd failed while allowed') === 0 && f(EXTENT, 'odd contiguous served') >= f(UNIFIED, 'odd contiguous served') : undefined,
        `extent failed ${formatNumber(f(EXTENT, 'odd failed while allowed'))} of ${formatNumber(oddAllowed)} with room (threshold 0); served ${formatNumber(f(EXTENT, 'odd contiguous served'))} vs unified ${formatNumber(f(UNIFIED, 'odd contiguous served'))}`,
      ),
      `Extent tracking served ${formatNumber(f(EXTENT, 'odd contiguous served'))} of the ${formatNumber(oddAllowed)} requests that had room, try-harder ${formatNumber(f(UNIFIED, 'odd contiguous served'))} of ${formatNumber(f(UNIFIED, 'odd contiguous allowed'))}; with the extent tree kept in step, its allocation time in the churn was ${formatRatio(f(EXTENT, 'alloc total ms') / f(UNIFIED, 'alloc total ms'))} the unified design's.`,
      ODD_CHART,
    );

    // 4. Is the problem about non-power-of-two contiguous requests?
    const legacyOdd = f(LEGACY, 'odd failed while allowed');
    const unifiedOdd = f(UNIFIED, 'odd failed while allowed');
    review.answer(
      'Does the problem concern contiguous requests of non-power-of-two sizes?',
      judge(
        'The merge barrier hurts non-power-of-two contiguous requests: after the churn the dual-tree design fails more of them while enough consecutive free pages exist than the unified design.',
        f(LEGACY, 'odd contiguous allowed') > 0 ? legacyOdd > unifiedOdd : undefined,
        `failed with room: dual-tree ${formatNumber(legacyOdd)} of ${formatNumber(f(LEGACY, 'odd contiguous allowed'))}, unified ${formatNumber(unifiedOdd)} of ${formatNumber(f(UNIFIED, 'odd contiguous allowed'))} (threshold: more)`,
      ),
      `${legacyOdd > unifiedOdd ? 'Yes' : 'Not on this workload'}: with room, the dual-tree design failed ${formatNumber(legacyOdd)} and the unified design ${formatNumber(unifiedOdd)} non-power-of-two requests (both by try-harder), extent tracking ${formatNumber(f(EXTENT, 'odd failed while allowed'))}; their median latency was ${ALL.map((d) => `${d.id} ${formatNumber(f(d, 'odd contiguous p50 us'))} us`).join(', ')}.`,
      ODD_CHART,
    );

    // 5. Does the dirty path eat cleared memory?
    const avoidU = f(UNIFIED, 'avoidable cleared bytes taken');
    const avoidL = f(LEGACY, 'avoidable cleared bytes taken');
    const rawRatio = f(UNIFIED, 'cleared bytes taken by dirty allocs') / f(LEGACY, 'cleared bytes taken by dirty allocs');
    review.answer(
      'Does the dirty allocation path now eat cleared memory?',
      judge(
        "The unified design's dirty allocations take no more avoidable cleared memory (taken while a wholly dirty free window of the block's size was left) than the dual-tree design's (ratio <= 1.0x).",
        avoidU === 0 && avoidL === 0 ? undefined : avoidU <= avoidL,
        `avoidable cleared bytes ${formatBytes(avoidU)} vs ${formatBytes(avoidL)}${avoidL > 0 ? ` = ${formatRatio(avoidU / avoidL)}` : ''} (threshold <= 1.0x)`,
      ),
      `Dirty allocations took ${formatRatio(rawRatio)} the dual-tree design's cleared bytes in all (${formatBytes(f(UNIFIED, 'cleared bytes taken by dirty allocs'))} vs ${formatBytes(f(LEGACY, 'cleared bytes taken by dirty allocs'))}), and ${avoidL > 0 ? formatRatio(avoidU / avoidL) : 'n/a'} of its avoidable ones (${formatBytes(avoidU)} vs ${formatBytes(avoidL)}): the rest were taken when no wholly dirty free window of the size was left.`,
    );

    // 6. All five designs compared: what they leave behind, and (from 1 GiB) their tail latency.
    const others = ALL.filter((d) => d !== UNIFIED);
    const bestOther = (i: number): number => Math.min(...others.map((d) => perRound(d, 'alloc p99 us')[i]!));
    const keepsMost = DUAL_TREES.every((d) => f(UNIFIED, 'cleared bytes kept') >= f(d, 'cleared bytes kept'));
    const vkctsClean = f(UNIFIED, 'vkcts extra blocks') === 0 && DUAL_TREES.every((d) => f(d, 'vkcts extra blocks') >= 1000);
    const allQuestion = 'How do all five designs compare on the VKCTS, fragmentation and mixed workloads?';
    const p99Text = `p99: ${ALL.map((d) => `${d.id} ${formatNumber(f(d, 'alloc p99 us'))} us`).join(', ')}`;
    review.answer(
      allQuestion,
      judgeAll('The unified design keeps at least as much cleared memory after the churn as every dual-tree design, and leaves no extra free blocks after VKCTS while every dual-tree design leaves >= 1,000.', [
        judge('', keepsMost, `cleared kept: ${ALL.map((d) => `${d.id} ${formatBytes(f(d, 'cleared bytes kept'))}`).join(', ')}`),
        judge('', vkctsClean, `VKCTS extra blocks: ${ALL.map((d) => `${d.id} ${formatNumber(f(d, 'vkcts extra blocks'))}`).join(', ')}`),
      ]),
      `${p99Text}; contiguous failures with room: ${ALL.map((d) => `${d.id} ${formatNumber(f(d, 'odd failed while allowed'))}`).join(', ')}; cleared kept: ${ALL.map((d) => `${d.id} ${formatBytes(f(d, 'cleared bytes kept'))}`).join(', ')}; VKCTS extra blocks: ${ALL.map((d) => `${d.id} ${formatNumber(f(d, 'vkcts extra blocks'))}`).join(', ')}; fragmentation case: ${ALL.map((d) => `${d.id} ${formatNumber(f(d, 'fragmentation ms'))} ms`).join(', ')}.`,
      LATENCY_CHART,
    );
    const p99 = judgeRatio(
      `The unified design's p99 allocation latency in the churn is within 1.1x of the best of the four others (best other / unified >= 0.91x, median of ${n} interleaved rounds).`,
      perRound(UNIFIED, 'alloc p99 us').map((u, i) => bestOther(i) / u),
      1 / 1.1,
      'best other / unified p99 ',
    );
    latencyClaim(allQuestion, p99, `${p99Text} (${p99.detail}).`);

    const charts: Chart[] = [
      {
        title: LATENCY_CHART,
        kind: 'bar',
        x: 'percentile',
        y: 'us',
        logY: true,
        points: ALL.flatMap((d) => ['p50', 'p99', 'max'].map((q) => ({ series: d.label, x: q, y: f(d, `alloc ${q} us`) }))),
      },
      {
        title: ODD_CHART,
        kind: 'bar',
        x: 'design',
        y: 'requests',
        points: ALL.map((d) => ({ series: d.label, x: d.id, y: f(d, 'odd failed while allowed') })),
      },
    ];
    return {
      figures,
      ...review.outcome(),
      charts,
      notes: [
        'Why the unified design can take more cleared memory for dirty allocations in all (the "4% more" of buddy-mixed): a dirty request takes the smallest order holding a block that is not wholly cleared, and since buddies always merge, many free blocks are partly cleared (a cleared block merged with its dirty buddy), so the cleared half goes with them. The dual-tree design keeps those halves apart, and its dirty tree offers wholly dirty blocks. "Avoidable" counts only cleared bytes taken while a wholly dirty free window of the block\'s size was left; the kernel (v3, subtree_has_dirty) has the same rule: a partly cleared block counts as dirty.',
        'The one-shot and failed-merge-list designs keep the dual trees: they change only how a failing allocation breaks the merge barrier, so VKCTS still leaves their 256 KiB windows split.',
        'Latency is wall time per alloc() (performance.now()), each design in its own worker thread, rounds interleaved; counts, bytes and blocks are the same in every round.',
      ],
    };
  },
});
