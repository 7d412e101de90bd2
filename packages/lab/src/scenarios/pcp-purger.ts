import { Prng } from 'kalloc';
import { defineScenario, type Chart } from '../scenario.ts';
import { MACHINE_PCP, PCP_LABELS, PCP_METRICS, PCP_ORDER, PcpZone, fewer, fewerLine } from '../workloads/pcp.ts';

interface Params {
  pages: number;
  cpus: number;
  /** CPUs (the last ones) that do all the freeing. */
  purgers: number;
  rounds: number;
  /** Blocks each CPU allocates per round. */
  perRound: number;
  /** A purge frees what was allocated more than this many rounds ago. */
  keepRounds: number;
  purgeEvery: number;
  seed: number;
}

const ACQUISITIONS = 5;
const PAGES = 3;

/**
 * jemalloc's pattern (the RFC's first motivation): every CPU allocates, interleaved, one block
 * per CPU in turn (7/8 order 0, 1/8 order 2, movable like anonymous memory); every `purgeEvery`
 * rounds the 2 purger CPUs free, alternately, every block older than `keepRounds` rounds.
 * Measured in the steady state: from the first round after the live set reached its size
 * (keepRounds + purgeEvery rounds), so that filling the empty zone counts for neither design.
 */
function run(p: Params, zone: PcpZone, progress: (round: number) => void): Record<string, number> {
  const rng = new Prng(p.seed);
  const handles: number[] = [];
  let purged = 0; // handles[0, purged) are freed
  let from = zone.begin();
  for (let round = 0; round < p.rounds; round++) {
    if (round === p.keepRounds + p.purgeEvery) from = zone.begin();
    for (let i = 0; i < p.perRound; i++) {
      for (let cpu = 0; cpu < p.cpus; cpu++) handles.push(zone.alloc(cpu, rng.chance(1 / 8) ? 2 : 0));
    }
    if ((round + 1) % p.purgeEvery === 0) {
      const upTo = Math.max(0, round + 1 - p.keepRounds) * p.perRound * p.cpus;
      for (; purged < upTo; purged++) zone.free(handles[purged]!, p.cpus - p.purgers + (purged % p.purgers));
    }
    zone.pause();
    progress(round);
    zone.resume();
  }
  const figures = zone.figuresSince(from);
  zone.a.check();
  return { ...figures, 'failed allocations': zone.failed };
}

export const pcpPurgerScenario = defineScenario<Params>({
  name: 'pcp-purger',
  title: 'Per-CPU caches: allocations on every CPU, frees from 2 purger CPUs (jemalloc)',
  claim: `With allocations on all CPUs and frees only from 2 purger CPUs, the pcp buddy takes the zone lock at least ${ACQUISITIONS}x fewer times and moves at least ${PAGES}x fewer pages under it than the classic per-CPU lists.`,
  designs: PCP_ORDER.map((d) => PCP_LABELS[d]),
  metrics: { ...PCP_METRICS, 'failed allocations': { unit: '', better: 'lower' } },
  params: {
    full: { pages: 1 << 18, cpus: 8, purgers: 2, rounds: 160, perRound: 1024, keepRounds: 8, purgeEvery: 4, seed: 5 },
    quick: { pages: 1 << 18, cpus: 8, purgers: 2, rounds: 24, perRound: 1024, keepRounds: 8, purgeEvery: 4, seed: 5 },
  },
  describe: (p) =>
    `${p.cpus} CPUs (${p.purgers} purgers) on a ${(p.pages * 4) / 1024} MiB zone, high ${MACHINE_PCP.high}, batch ${MACHINE_PCP.batch}; ${p.rounds} rounds of ${p.perRound} blocks per CPU, purged every ${p.purgeEvery} rounds down to the last ${p.keepRounds}, measured after the first ${p.keepRounds + p.purgeEvery}; seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    const series: Chart['points'] = [];
    PCP_ORDER.forEach((design, k) => {
      const zone = new PcpZone(design, p.pages, p.cpus);
      figures[PCP_LABELS[design]] = run(p, zone, (round) => {
        ctx.progress(k * p.rounds + round, 3 * p.rounds, PCP_LABELS[design]);
        if (round % Math.max(1, Math.floor(p.rounds / 50)) === 0) {
          series.push({ series: PCP_LABELS[design], x: round, y: zone.a.stats().zoneLock.acquisitions });
        }
      });
    });
    const [buddy, classic] = [PCP_LABELS.buddy, PCP_LABELS.classic];
    const acq = fewer(figures, 'zone lock acquisitions', buddy, classic);
    const pages = fewer(figures, 'pages moved under zone lock', buddy, classic);
    const met = acq >= ACQUISITIONS && pages >= PAGES && figures[buddy]!['failed allocations'] === 0;
    return {
      figures,
      met,
      verdict: `${fewerLine(figures, 'zone lock acquisitions', buddy, classic)} (claim >= ${ACQUISITIONS}x); ${fewerLine(figures, 'pages moved under zone lock', buddy, classic)} (claim >= ${PAGES}x)`,
      charts: [{ title: 'Zone-lock acquisitions over the run', kind: 'line', x: 'round', y: 'acquisitions so far', points: series, logY: true }],
      notes: [
        'The classic purger CPUs overflow (count > high) and drain batch after batch under the zone lock, while the allocating CPUs run dry and refill under it: every page crosses the zone twice. The pcp buddy routes each free back to the CPU that owns the pageblock, which reuses it.',
        'Remote frees wait in the owner\'s queue until the owner\'s next call, as with the RFC\'s free_llist.',
        'Both designs follow Linux 6.18\'s sizing (pcp/sizing.ts): the pcp buddy\'s refills now scale with alloc_factor (up to batch << 5 pages, several pageblocks claimed at once) and its drains with free_count, as the RFC keeps per_cpu_pages\' sizing. It takes the lock about 6x less often, but its larger refills and drains move about 2.5x fewer pages than classic, under the 3x threshold: not met.',
      ],
    };
  },
});
