import { formatNumber } from '../format.ts';
import { Prng } from 'kalloc';
import { defineScenario } from '../scenario.ts';
import { MACHINE_PCP, PCP_LABELS, PCP_METRICS, PCP_ORDER, PcpZone, fewerLine } from '../workloads/pcp.ts';

interface Params {
  pages: number;
  cpus: number;
  rounds: number;
  /** Blocks CPU 0 allocates per round. */
  perRound: number;
  /** Blocks live this many rounds before another CPU frees them. */
  keepRounds: number;
  seed: number;
}

/**
 * The RFC's worst case for ownership: CPU 0 allocates everything (order 0, 1/8 order 2), and
 * each block is freed `keepRounds` rounds later by a random other CPU, so every free of the pcp
 * buddy is a remote free that CPU 0 has to take in.
 */
function run(p: Params, zone: PcpZone): Record<string, number> {
  const rng = new Prng(p.seed);
  const handles: number[] = [];
  let freed = 0;
  const from = zone.begin();
  for (let round = 0; round < p.rounds; round++) {
    for (let i = 0; i < p.perRound; i++) handles.push(zone.alloc(0, rng.chance(1 / 8) ? 2 : 0));
    const upTo = Math.max(0, round + 1 - p.keepRounds) * p.perRound;
    for (; freed < upTo; freed++) zone.free(handles[freed]!, 1 + rng.below(p.cpus - 1));
  }
  const figures = zone.figuresSince(from);
  zone.a.check();
  return { ...figures, frees: freed, 'failed allocations': zone.failed };
}

export const pcpOneAllocatorScenario = defineScenario<Params>({
  name: 'pcp-one-allocator',
  title: 'Per-CPU caches: one CPU allocates for all, every other CPU frees',
  claim: "In the pcp buddy's worst case, where one CPU allocates and the others free so that every free is remote, the pcp buddy still takes the zone lock no more often than the classic per-CPU lists.",
  designs: PCP_ORDER.map((d) => PCP_LABELS[d]),
  metrics: { ...PCP_METRICS, frees: { unit: '' }, 'failed allocations': { unit: '', better: 'lower' } },
  params: {
    full: { pages: 1 << 18, cpus: 8, rounds: 400, perRound: 1024, keepRounds: 8, seed: 11 },
    quick: { pages: 1 << 17, cpus: 8, rounds: 64, perRound: 1024, keepRounds: 8, seed: 11 },
  },
  describe: (p) =>
    `${p.cpus} CPUs on a ${(p.pages * 4) / 1024} MiB zone, high ${MACHINE_PCP.high}, batch ${MACHINE_PCP.batch}; CPU 0 allocates ${p.perRound} blocks per round for ${p.rounds} rounds, each freed ${p.keepRounds} rounds later on a random other CPU; seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    PCP_ORDER.forEach((design, k) => {
      ctx.progress(k, 3, PCP_LABELS[design]);
      figures[PCP_LABELS[design]] = run(p, new PcpZone(design, p.pages, p.cpus));
    });
    ctx.progress(3, 3);
    const [buddy, classic] = [PCP_LABELS.buddy, PCP_LABELS.classic];
    const b = figures[buddy]!;
    const met = b['zone lock acquisitions']! <= figures[classic]!['zone lock acquisitions']! && b['failed allocations'] === 0;
    return {
      figures,
      met,
      verdict: `${fewerLine(figures, 'zone lock acquisitions', buddy, classic)} (claim: not more); ${formatNumber(b['remote frees']!)} of ${formatNumber(b.frees!)} pcp buddy frees were remote`,
      notes: [
        'The cost ownership moves rather than removes: CPU 0 takes in and merges every page the other CPUs free (remote frees, merges under CPU lock), work the classic design spreads over the freeing CPUs and the zone lock.',
      ],
    };
  },
});
