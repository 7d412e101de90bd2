import { Prng, MIGRATETYPES, type Migratetype } from 'kalloc';
import { defineScenario, type Chart, type MemoryMap } from '../scenario.ts';
import { TrackedZone } from '../workloads/page.ts';
import { MapBuilder } from '../kit/memory-map.ts';
import { formatBytes, formatNumber } from '../format.ts';

interface Params {
  pages: number;
  steps: number;
  seed: number;
}

const KALLOC = 'kalloc (direct compaction)';
const BASELINE = 'no compaction';
const THP_ORDER = 9;
/** Share of requests that are order 9: with small blocks averaging 3.75 pages, ~1/3 of the memory. */
const THP_SHARE = 0.004;
/** Occupancy swings between these, a half period each (load spikes, then falls back). */
const HIGH = 0.95;
const LOW = 0.5;
const PERIODS = 4;
/** The claim: compaction at most this share of the order-9 failure rate without it. */
const FAILURE_RATIO = 0.5;
/** Fewer baseline failures than this measure noise, not a rate: the claim is then not shown. */
const MIN_BASELINE_FAILURES = 20;

interface Run {
  thpAsked: number;
  thpServed: number;
  migratedPages: number;
  meanUnusable: number;
  ms: number;
  series: { x: number; y: number }[];
  zone: TrackedZone;
}

/**
 * A churn whose occupancy swings between 95% and 50% (four load spikes): small blocks (orders 0-3; 80% movable, 15% unmovable, 5%
 * reclaimable) come and go at random, and 0.4% of the requests are order-9 movable pages (2 MiB
 * transparent huge pages). One design compacts (compact({ order: 9 })) when an order-9 request
 * fails and retries, as direct compaction does; the other does not. Same seed, same requests.
 */
function churn(p: Params, compact: boolean, progress: (done: number) => void): Run {
  const z = new TrackedZone(p.pages);
  const rng = new Prng(p.seed);
  const sampleEvery = Math.max(1, Math.floor(p.steps / 100));
  const series: { x: number; y: number }[] = [];
  let thpAsked = 0;
  let thpServed = 0;
  let unusableSum = 0;
  const t0 = performance.now();
  for (let step = 0; step < p.steps; step++) {
    const occupancy = Math.floor((step * PERIODS * 2) / p.steps) % 2 === 0 ? HIGH : LOW;
    if (z.a.freePages > p.pages * (1 - occupancy) || rng.chance(0.3)) {
      if (rng.chance(THP_SHARE)) {
        thpAsked++;
        let pfn = z.alloc(THP_ORDER, 'movable');
        if (pfn === undefined && compact) {
          z.a.compact({ order: THP_ORDER });
          pfn = z.alloc(THP_ORDER, 'movable');
        }
        if (pfn !== undefined) thpServed++;
      } else {
        const r = rng.float();
        const mt: Migratetype = r < 0.8 ? 'movable' : r < 0.95 ? 'unmovable' : 'reclaimable';
        z.alloc(rng.below(4), mt);
      }
    } else {
      const pfn = z.randomLive(rng);
      if (pfn !== undefined) z.free(pfn);
    }
    if (step % sampleEvery === 0) {
      const u = z.a.unusableIndex(THP_ORDER);
      series.push({ x: step, y: u / 10 });
      unusableSum += u;
      progress(step);
    }
  }
  z.a.check();
  return {
    thpAsked,
    thpServed,
    migratedPages: z.a.stats().migratedPages,
    meanUnusable: unusableSum / series.length / 10,
    ms: performance.now() - t0,
    series,
    zone: z,
  };
}

function failedShare(r: Run): number {
  return (100 * (r.thpAsked - r.thpServed)) / Math.max(1, r.thpAsked);
}

/** Pageblocks by migratetype, or "free" when wholly free; runs of the same state merged. */
function pageblockMap(design: string, z: TrackedZone): MemoryMap {
  const map = new MapBuilder(0);
  let start = 0;
  for (const pb of z.a.pageblockSummary()) {
    map.add(start, start + pb.pages, pb.freePages === pb.pages ? 'free' : pb.type);
    start += pb.pages;
  }
  return {
    title: `Pageblocks after the churn: migratetype, or free (${design})`,
    design,
    unit: 'pages',
    start: 0,
    end: z.a.pages,
    segments: map.finish(z.a.pages),
  };
}

export const fragmentationScenario = defineScenario<Params>({
  name: 'fragmentation',
  title: 'Fragmentation under churn: 2 MiB pages with and without compaction',
  claim: `Under a random churn whose occupancy swings between 95% and 50%, direct compaction at least halves the share of order-9 (2 MiB) requests that fail, compared with the same zone without compaction.`,
  designs: [KALLOC, BASELINE],
  metrics: {
    'order-9 failed': { unit: '%', better: 'lower', description: 'order-9 requests that got no block' },
    'order-9 requests': { unit: '', description: 'order-9 requests made' },
    'mean unusable index (order 9)': { unit: '%', better: 'lower', description: 'unusable_free_index(9) / 10, averaged over 100 samples' },
    'final unusable index (order 9)': { unit: '%', better: 'lower' },
    'pages migrated': { unit: 'pages' },
    'run time': { unit: 'ms', better: 'lower' },
  },
  params: {
    // A small zone for many steps: the churn must spend long at high occupancy to fail often.
    full: { pages: 1 << 16, steps: 1_000_000, seed: 7 },
    quick: { pages: 1 << 15, steps: 200_000, seed: 7 },
  },
  describe: (p) => `a ${formatBytes(p.pages * 4096)} zone (${formatNumber(p.pages)} pages), ${formatNumber(p.steps)} churn steps, occupancy swinging between 95% and 50%, seed ${p.seed}`,
  run(p, ctx) {
    const total = 2 * p.steps;
    const runs: Record<string, Run> = {
      [KALLOC]: churn(p, true, (d) => ctx.progress(d, total, KALLOC)),
      [BASELINE]: churn(p, false, (d) => ctx.progress(p.steps + d, total, BASELINE)),
    };
    ctx.progress(total, total);
    const figures: Record<string, Record<string, number>> = {};
    for (const design of [KALLOC, BASELINE]) {
      const r = runs[design]!;
      figures[design] = {
        'order-9 failed': failedShare(r),
        'order-9 requests': r.thpAsked,
        'mean unusable index (order 9)': r.meanUnusable,
        'final unusable index (order 9)': r.zone.a.unusableIndex(THP_ORDER) / 10,
        'pages migrated': r.migratedPages,
        'run time': r.ms,
      };
    }
    const k = runs[KALLOC]!;
    const b = runs[BASELINE]!;
    const met = b.thpAsked - b.thpServed >= MIN_BASELINE_FAILURES && failedShare(k) <= FAILURE_RATIO * failedShare(b);
    const charts: Chart[] = [
      {
        title: 'Unusable free index for order 9 over the churn (% of free memory unusable for 2 MiB)',
        kind: 'line',
        x: 'step',
        y: 'unusable index (%)',
        points: [KALLOC, BASELINE].flatMap((design) => runs[design]!.series.map(({ x, y }) => ({ series: design, x, y }))),
      },
      {
        title: `Free blocks per order and migratetype at the end (${KALLOC})`,
        kind: 'bar',
        x: 'order',
        y: 'free blocks',
        points: MIGRATETYPES.flatMap((mt) =>
          runs[KALLOC]!.zone.a.pagetypeinfo().freeBlocks[mt].map((n, order) => ({ series: mt, x: String(order), y: n })),
        ),
        logY: true,
      },
    ];
    return {
      figures,
      met,
      verdict: `order-9 failures: ${k.thpAsked - k.thpServed} of ${k.thpAsked} (${failedShare(k).toFixed(1)}%) with compaction vs ${b.thpAsked - b.thpServed} of ${b.thpAsked} (${failedShare(b).toFixed(1)}%) without = ${(failedShare(k) / Math.max(1e-9, failedShare(b))).toFixed(2)} (claim <= ${FAILURE_RATIO}, with >= ${MIN_BASELINE_FAILURES} failures without compaction)`,
      charts,
      maps: [pageblockMap(KALLOC, runs[KALLOC]!.zone), pageblockMap(BASELINE, runs[BASELINE]!.zone)],
      notes: [
        'Both designs are the same kalloc zone allocator with the same seed; only direct compaction on an order-9 failure differs, so the workload diverges only through what each could serve.',
      ],
    };
  },
});
