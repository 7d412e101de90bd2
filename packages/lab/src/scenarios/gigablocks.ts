import { Prng, PageAllocator, type Migratetype } from 'kalloc';
import { formatBytes, formatNumber } from '../format.ts';
import { judge } from '../kit/claims.ts';
import { defineScenario, type Chart, type MemoryMap } from '../scenario.ts';
import { MapBuilder } from '../kit/memory-map.ts';

interface Params {
  pages: number;
  /** Churn steps (one free + one allocation each) after the fill. */
  steps: number;
  seed: number;
}

const GIGABLOCKS = 'kalloc gigablocks';
const BASELINE = 'no gigablocks';
const RFC = 'RFC v1 (reported)';
const GIGABLOCK_ORDER = 18; // 1 GiB of 4 KiB pages
const GIGABLOCK = 2 ** GIGABLOCK_ORDER;
/** The RFC's machine: 238 superpageblocks in the normal zone, "normally less than 20" tainted, 50 x 1 GiB allocatable. */
const RFC_GIGABLOCKS = 238;
const RFC_TAINTED = 20;
const RFC_HUGE = 50;
/** Occupancy during the fill and churn, and after the workload shrinks. */
const HIGH = 0.95;
const LOW = 0.75;
/** Share of allocations that are unmovable and reclaimable. */
const UNMOVABLE_SHARE = 0.03;
const RECLAIMABLE_SHARE = 0.02;
/** "Far worse" without gigablocks: at least this many times the tainted share, at most 1/this of the 1 GiB pages. */
const FAR_WORSE = 2;
const SAMPLES = 40;

/**
 * The caller's side: every live buddy block by first pfn, and whether it is unmovable or
 * reclaimable, in typed arrays (no object per block), kept right by onMigrate.
 */
class LiveBlocks {
  readonly pfns: Int32Array;
  /** By first pfn: 1 for an unmovable or reclaimable block (one that taints its gigablock). */
  readonly fixed: Uint8Array;
  private readonly slot: Int32Array;
  count = 0;

  constructor(pages: number) {
    this.pfns = new Int32Array(pages);
    this.fixed = new Uint8Array(pages);
    this.slot = new Int32Array(pages);
  }

  add(pfn: number, fixed: boolean): void {
    this.slot[pfn] = this.count;
    this.pfns[this.count++] = pfn;
    this.fixed[pfn] = fixed ? 1 : 0;
  }

  /** Removes and returns the live block in slot i. */
  removeAt(i: number): number {
    const pfn = this.pfns[i]!;
    const last = this.pfns[--this.count]!;
    this.pfns[i] = last;
    this.slot[last] = i;
    return pfn;
  }

  moved(from: number, to: number): void {
    const i = this.slot[from]!;
    this.pfns[i] = to;
    this.slot[to] = i;
    this.fixed[to] = this.fixed[from]!;
  }
}

interface Run {
  /** Tainted gigablocks sampled over the churn, and the most seen. */
  series: { x: number; y: number }[];
  peakTainted: number;
  finalTainted: number;
  huge: number;
  migratedPages: number;
  ms: number;
  gigablockStates: string[];
  metadataBytes: number;
}

/**
 * Gigablocks holding an unmovable or reclaimable page (DESIGN.md: taint is a fact about the
 * pages), from the workload's own record of its live blocks: the same count for both designs.
 */
function taintedGigablocks(a: PageAllocator, live: LiveBlocks): boolean[] {
  const tainted = new Array<boolean>(Math.ceil(a.pages / GIGABLOCK)).fill(false);
  for (let i = 0; i < live.count; i++) {
    const pfn = live.pfns[i]!;
    if (live.fixed[pfn] === 1) tainted[Math.floor(pfn / GIGABLOCK)] = true;
  }
  return tainted;
}

const countTrue = (xs: boolean[]): number => xs.filter(Boolean).length;

/**
 * The churn, modelled on the RFC's test (a machine whose memory is all in use by a mix of
 * allocations, 5% of them unmovable or reclaimable, freed and reallocated over time): fill to 95%
 * with blocks of orders 0-3 (3% unmovable, 2% reclaimable, the rest movable), then `steps` times
 * free a random live block and allocate a new one; the workload then shrinks to 75% (random
 * frees), and 1 GiB pages (allocContig of one aligned gigablock, movable pages migrated) are
 * asked for until one fails. Same seed, same requests, for both designs.
 */
function churn(p: Params, gigablocks: boolean, progress: (done: number) => void): Run {
  const live = new LiveBlocks(p.pages);
  const a = new PageAllocator({ pages: p.pages, gigablocks, gigablockOrder: GIGABLOCK_ORDER, pcp: 'none', onMigrate: (from, to) => live.moved(from, to) });
  const rng = new Prng(p.seed);
  const allocate = (): void => {
    const r = rng.float();
    const mt: Migratetype = r < UNMOVABLE_SHARE ? 'unmovable' : r < UNMOVABLE_SHARE + RECLAIMABLE_SHARE ? 'reclaimable' : 'movable';
    const pfn = a.alloc(rng.below(4), { migratetype: mt });
    if (pfn !== undefined) live.add(pfn, mt !== 'movable');
  };
  const freeRandom = (): void => a.free(live.removeAt(rng.below(live.count)));
  const t0 = performance.now();
  while (a.freePages > p.pages * (1 - HIGH)) allocate();
  const series: { x: number; y: number }[] = [];
  const every = Math.max(1, Math.floor(p.steps / SAMPLES));
  let peakTainted = 0;
  for (let step = 0; step <= p.steps; step++) {
    if (step % every === 0 || step === p.steps) {
      const tainted = countTrue(taintedGigablocks(a, live));
      series.push({ x: step, y: tainted });
      peakTainted = Math.max(peakTainted, tainted);
      progress(step);
    }
    if (step === p.steps) break;
    freeRandom();
    allocate();
  }
  while (a.freePages < p.pages * (1 - LOW)) freeRandom();
  const migratedBefore = a.stats().migratedPages;
  const huge: number[] = [];
  for (let pfn = a.allocContig(GIGABLOCK); pfn !== undefined; pfn = a.allocContig(GIGABLOCK)) huge.push(pfn);
  const ms = performance.now() - t0;
  a.check();
  const tainted = taintedGigablocks(a, live);
  const gigablockStates = tainted.map((t, gb) => (huge.includes(gb * GIGABLOCK) ? '1 GiB page' : t ? 'tainted' : 'clean'));
  return {
    series,
    peakTainted,
    finalTainted: countTrue(tainted),
    huge: huge.length,
    migratedPages: a.stats().migratedPages - migratedBefore,
    ms,
    gigablockStates,
    metadataBytes: a.stats().gigablocks.metadataBytes,
  };
}

function gigablockMap(design: string, states: string[], pages: number): MemoryMap {
  const map = new MapBuilder(0);
  states.forEach((state, gb) => map.add(gb * GIGABLOCK, Math.min(pages, (gb + 1) * GIGABLOCK), state));
  return {
    title: `Gigablocks after the 1 GiB requests (${design})`,
    design,
    unit: 'pages',
    start: 0,
    end: pages,
    segments: map.finish(pages),
  };
}

const PARAMS = {
  full: { pages: 64 * GIGABLOCK, steps: 4_000_000, seed: 7 },
  quick: { pages: 16 * GIGABLOCK, steps: 200_000, seed: 7 },
  /** --full: the RFC's normal zone, 238 gigablocks (the largest zone is 256). */
  max: { pages: RFC_GIGABLOCKS * GIGABLOCK, steps: 15_000_000, seed: 7 },
};

/** The RFC's shares scaled to a zone of `p.pages`: at most this many tainted, at least this many 1 GiB pages. */
const scaled = (p: Params) => {
  const count = Math.ceil(p.pages / GIGABLOCK);
  return { count, tainted: (RFC_TAINTED / RFC_GIGABLOCKS) * count, huge: (RFC_HUGE / RFC_GIGABLOCKS) * count };
};
const RFC_CLAIM = (p: Params) => {
  const s = scaled(p);
  const of = (n: number) => `${formatNumber(n, 1)} of ${s.count}`;
  return `On a churn of ${formatNumber(p.steps)} steps modelled on the 1 GiB RFC's test (memory 95% used, 5% of allocations unmovable or reclaimable) on ${s.count} gigablocks, kalloc with gigablocks matches or beats the RFC's figures (${RFC_TAINTED} tainted and ${RFC_HUGE} 1 GiB pages of ${RFC_GIGABLOCKS}) scaled to the zone: at most ${of(s.tainted)} gigablocks tainted and at least ${of(s.huge)} allocatable as 1 GiB pages once the workload shrinks to 75%`;
};
const WORSE_CLAIM = `Without gigablocks the same churn does far worse (${FAR_WORSE}x the tainted share, at most 1/${FAR_WORSE} of the 1 GiB pages)`;

export const gigablocksScenario = defineScenario<Params>({
  name: 'gigablocks',
  title: 'Gigablocks: few tainted 1 GiB blocks, reliable 1 GiB allocations',
  claim: (p) => `${RFC_CLAIM(p)}; ${WORSE_CLAIM}`,
  designs: [GIGABLOCKS, BASELINE, RFC],
  metrics: {
    gigablocks: { unit: 'gigablocks', description: 'gigablocks in the zone' },
    'peak tainted': { unit: 'gigablocks', better: 'lower', description: 'most gigablocks holding an unmovable or reclaimable page at any sample of the churn' },
    'peak tainted share': { unit: '%', better: 'lower' },
    '1 GiB pages': { unit: 'pages', better: 'higher', description: 'allocContig of one aligned gigablock, asked until the first failure' },
    '1 GiB share': { unit: '%', better: 'higher', description: '1 GiB pages / gigablocks' },
    'pages migrated': { unit: 'pages', description: 'movable pages moved to make the 1 GiB pages' },
    'tainted at the end': { unit: 'gigablocks' },
    'index bytes': { unit: 'bytes', description: 'per-gigablock free-list heads and index (bitmaps, counters)' },
    ms: { unit: 'ms', description: 'wall time of the whole run (fill, churn, shrink, 1 GiB requests)' },
  },
  params: PARAMS,
  describe: (p) => `a ${formatBytes(p.pages * 4096)} zone (${p.pages / GIGABLOCK} gigablocks of 1 GiB), fill to ${HIGH * 100}%, ${formatNumber(p.steps)} churn steps, shrink to ${LOW * 100}%, seed ${p.seed}`,
  run(p, ctx) {
    const total = 2 * p.steps;
    const on = churn(p, true, (done) => ctx.progress(done, total, 'with gigablocks'));
    const off = churn(p, false, (done) => ctx.progress(p.steps + done, total, 'without gigablocks'));
    ctx.progress(total, total);
    const count = Math.ceil(p.pages / GIGABLOCK);
    const share = (n: number, of: number): number => (100 * n) / of;
    const figures = (r: Run): Record<string, number> => ({
      gigablocks: count,
      'peak tainted': r.peakTainted,
      'peak tainted share': share(r.peakTainted, count),
      '1 GiB pages': r.huge,
      '1 GiB share': share(r.huge, count),
      'pages migrated': r.migratedPages,
      'tainted at the end': r.finalTainted,
      'index bytes': r.metadataBytes,
      ms: r.ms,
    });
    const rfcTaintedShare = share(RFC_TAINTED, RFC_GIGABLOCKS);
    const rfcHugeShare = share(RFC_HUGE, RFC_GIGABLOCKS);
    const f = { [GIGABLOCKS]: figures(on), [BASELINE]: figures(off), [RFC]: { gigablocks: RFC_GIGABLOCKS, 'peak tainted': RFC_TAINTED, 'peak tainted share': rfcTaintedShare, '1 GiB pages': RFC_HUGE, '1 GiB share': rfcHugeShare } };
    const onT = f[GIGABLOCKS]['peak tainted share']!;
    const onH = f[GIGABLOCKS]['1 GiB share']!;
    const offT = f[BASELINE]['peak tainted share']!;
    const offH = f[BASELINE]['1 GiB share']!;
    const matchesRfc = onT <= rfcTaintedShare && onH >= rfcHugeShare;
    const farWorse = offT >= FAR_WORSE * onT && offH * FAR_WORSE <= onH;
    const pct = (x: number): string => `${x.toFixed(1)}%`;
    const charts: Chart[] = [
      {
        title: 'Tainted gigablocks during the churn',
        kind: 'line',
        x: 'churn step',
        y: 'tainted gigablocks',
        points: [...on.series.map((pt) => ({ series: GIGABLOCKS, ...pt })), ...off.series.map((pt) => ({ series: BASELINE, ...pt }))],
      },
    ];
    return {
      figures: f,
      claims: [
        judge(RFC_CLAIM(p), matchesRfc, `${on.peakTainted}/${count} tainted (${pct(onT)} vs RFC ${pct(rfcTaintedShare)}), ${on.huge}/${count} 1 GiB pages (${pct(onH)} vs RFC ${pct(rfcHugeShare)})`),
        judge(WORSE_CLAIM, onT === 0 && offT === 0 && onH === 0 ? undefined : farWorse, `without gigablocks ${off.peakTainted}/${count} tainted (${pct(offT)}), ${off.huge} 1 GiB pages (${pct(offH)})`),
      ],
      verdict:
        `with gigablocks ${on.peakTainted}/${count} tainted (${pct(onT)} vs RFC ${pct(rfcTaintedShare)}), ${on.huge}/${count} 1 GiB pages (${pct(onH)} vs RFC ${pct(rfcHugeShare)}); ` +
        `without ${off.peakTainted}/${count} tainted, ${off.huge} 1 GiB pages`,
      charts,
      maps: [gigablockMap(GIGABLOCKS, on.gigablockStates, p.pages), gigablockMap(BASELINE, off.gigablockStates, p.pages)],
      notes: [
        `The RFC's figures (v1 cover letter: 256 GB machine running syzkaller, 238 superpageblocks in the normal zone, "normally less than 20" used for unmovable and reclaimable allocations, 50 x 1 GiB pages allocatable) are compared as shares of the zone's gigablocks.`,
        'Tainted = holds an allocated unmovable or reclaimable page (counted from the workload\'s own record of its live blocks, the same way for both designs; DESIGN.md: taint is a fact about the pages, not pageblock labels). Peak = the most at any of the samples taken during the churn.',
        `The workload shrinks to ${LOW * 100}% before the 1 GiB requests because the RFC allocated its 1 GiB pages "without driving the workload out of memory": a 1 GiB page needs a gigablock's worth of free memory somewhere.`,
      ],
    };
  },
});
