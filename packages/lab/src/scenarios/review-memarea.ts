import { defineScenario, type Chart } from '../scenario.ts';
import { ReviewThread } from '../kit/review.ts';
import { interleave, judge, judgeAll, judgeRatio, ratios, spreadOf } from '../kit/claims.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { pageDesigns, type ContigOptions, type PageDesign } from 'kalloc';
import { now, sinceMs } from '../kit/clock.ts';
import { fragmentedZone, type TrackedZone } from '../workloads/page.ts';

/**
 * The questions of the alloc_memarea thread (Ingo Molnar's "arbitrary size memory allocator",
 * November 2001, with Eric W. Biederman and Jeff Garzik), answered on the contiguous designs of
 * the page registry: today's memarea (migrating, planned), the 2019 alloc_contig_pages baseline,
 * and the thread's alternatives (the D6 page scan, a free-list walk, a temporary zone).
 */
const THREAD = 'alloc_memarea thread (linux-kernel, November 2001: Eric W. Biederman, Jeff Garzik)';
const DESIGNS = pageDesigns('contig');
const byId = (id: string): PageDesign => DESIGNS.find((d) => d.id === id)!;
const MEMAREA = byId('memarea');
const C2019 = byId('contig-2019');
const SCAN = byId('memarea-scan');
const WALK = byId('memarea-freelists');
const TEMP = byId('temp-zone');
const SEARCH_REPS = 3;
const EXAMINED_CHART = 'Items examined per free-window request';
const SERVED_CHART = 'Requests served per design';

interface Request {
  pages: number;
  align: number;
  offset: number;
}

interface Params {
  pages: number;
  /** Occupancy of the zone (random orders 0-3, 90% movable) before the requests. */
  fill: number;
  /** The search comparison: free windows of these sizes (no alignment), `tries` each. */
  freeSizes: number[];
  /** The guarantee and temporary-zone comparison: aligned, offset requests, `tries` each. */
  requests: Request[];
  tries: number;
  seed: number;
}

/**
 * Brute force from the caller's page record: is there a window [w, w + n), w % align === offset,
 * holding no unmovable or contiguous page, whose movable pages fit in the free pages outside it?
 */
function windowExists(z: TrackedZone, r: Request): boolean {
  const map = z.pageMap();
  const free = z.a.freePages;
  for (let w = r.offset; w + r.pages <= map.length; w += r.align) {
    let inFree = 0;
    let movable = 0;
    let fixed = false;
    for (let p = w; p < w + r.pages && !fixed; p++) {
      const s = map[p]!;
      if (s === 0) inFree++;
      else if (s === 1) movable++;
      else fixed = true;
    }
    if (!fixed && movable <= free - inFree) return true;
  }
  return false;
}

/** Asks each request `tries` times on a fresh fragmented zone of `design`; what it got and cost. */
function ask(design: PageDesign, p: Params, requests: Request[], withOptions: boolean, brute: boolean): Record<string, number> {
  const z = fragmentedZone(p.pages, p.seed, design, p.fill);
  let served = 0;
  let allowed = 0;
  let failedAllowed = 0;
  let ms = 0;
  for (const r of requests) {
    for (let t = 0; t < p.tries; t++) {
      const possible = brute && windowExists(z, r);
      const opts: ContigOptions = withOptions ? { align: r.align, offset: r.offset } : {};
      const t0 = now();
      const pfn = z.a.allocContig(r.pages, opts);
      ms += sinceMs(t0);
      if (possible) allowed++;
      if (pfn !== undefined) {
        served++;
        z.remember(pfn, r.pages, 'contig');
      } else if (possible) failedAllowed++;
    }
  }
  z.a.check();
  const s = z.a.stats();
  const asked = requests.length * p.tries;
  return {
    served,
    ...(brute ? { 'window existed': allowed, 'failed while a window existed': failedAllowed } : {}),
    'ms per request': ms / asked,
    'pages migrated': s.migratedPages,
    'examined per request': s.contig.examined / asked,
  };
}

export const reviewMemarea = defineScenario<Params>({
  name: 'review-memarea',
  title: 'Review: the alloc_memarea thread, measured',
  claim: 'Each question of the alloc_memarea thread is one claim below, with its threshold; the scenario is met when all hold.',
  designs: [MEMAREA, C2019, SCAN, WALK, TEMP].map((d) => d.label),
  metrics: {
    'free windows served': { unit: 'requests', better: 'higher', description: 'search comparison: free windows of the sizes asked (no alignment, no migration)' },
    'free-window examined per request': { unit: 'items', better: 'lower', description: 'pages (scan) or free blocks (free-list walk) looked at per request' },
    'free-window ms per request': { unit: 'ms', better: 'lower', description: 'median of the interleaved repetitions' },
    'free-window ms per request (min)': { unit: 'ms', better: 'lower' },
    'free-window ms per request (max)': { unit: 'ms', better: 'lower' },
    served: { unit: 'requests', better: 'higher', description: 'aligned, offset requests served (2019: the sizes without alignment or offset, all it takes)' },
    'window existed': { unit: 'requests', description: 'brute force: a window with no unmovable page whose movable pages fit outside' },
    'failed while a window existed': { unit: 'requests', better: 'lower' },
    'ms per request': { unit: 'ms', better: 'lower' },
    'pages migrated': { unit: 'pages', better: 'lower', description: 'including moves wasted on windows given up' },
    'examined per request': { unit: 'items', description: 'temporary zone: windows judged (for an obstacle, or isolated and emptied)' },
  },
  // Requests scale with the zone (4x the pages, 4x the tries), so each size runs the same relative workload.
  params: {
    full: {
      pages: 1 << 18, fill: 0.6, freeSizes: [37, 300, 1500], seed: 42, tries: 24,
      requests: [{ pages: 3000, align: 512, offset: 7 }, { pages: 700, align: 64, offset: 3 }, { pages: 129, align: 16, offset: 5 }],
    },
    quick: {
      pages: 1 << 16, fill: 0.6, freeSizes: [37, 300, 1500], seed: 42, tries: 6,
      requests: [{ pages: 3000, align: 512, offset: 7 }, { pages: 700, align: 64, offset: 3 }, { pages: 129, align: 16, offset: 5 }],
    },
  },
  describe: (p) =>
    `a ${formatBytes(p.pages * 4096)} zone ${Math.round(p.fill * 100)}% full of random orders 0-3 (90% movable), fresh for each design; free windows of ${p.freeSizes.join(', ')} pages (align 1), ${p.tries} each; then ${p.requests.map((r) => `${r.pages} pages at ${r.offset} mod ${r.align}`).join(', ')}, ${p.tries} each; seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    const freeRequests = p.freeSizes.map((pages) => ({ pages, align: 1, offset: 0 }));
    ctx.progress(0, 3, 'free-window searches, interleaved');
    // The two searches serve the same calls: repeated, interleaved, for their time per request.
    const searches = interleave(SEARCH_REPS, [SCAN, WALK].map((d) => () => ask(d, p, freeRequests, true, false)));
    const searchMs = searches.map((runs) => runs.map((r) => r['ms per request']!));
    [SCAN, WALK].forEach((d, i) => {
      const r = searches[i]![0]!;
      const ms = spreadOf(searchMs[i]!);
      figures[d.label] = { 'free windows served': r.served!, 'free-window examined per request': r['examined per request']!, 'free-window ms per request': ms.median, 'free-window ms per request (min)': ms.min, 'free-window ms per request (max)': ms.max };
    });
    ctx.progress(1, 3, 'aligned requests');
    for (const d of [MEMAREA, TEMP]) figures[d.label] = ask(d, p, p.requests, true, true);
    ctx.progress(2, 3, '2019 baseline');
    figures[C2019.label] = ask(C2019, p, p.requests, false, false);
    ctx.progress(3, 3);

    const f = (d: PageDesign, m: string): number => figures[d.label]![m]!;
    const review = new ReviewThread(THREAD);

    const examinedRatio = f(WALK, 'free-window examined per request') / f(SCAN, 'free-window examined per request');
    const walkTime = judgeRatio('', ratios(searchMs[0]!, searchMs[1]!), 1, 'scan / free-list walk time ');
    review.answer(
      'Could the search assume free buddies are coalesced?',
      judgeAll(`Walking the buddy free lists serves the same free windows as the page-by-page scan, looking at at most 0.1x as many items, in less time (scan / walk >= 1.0x, median of ${SEARCH_REPS} interleaved repetitions).`, [
        judge('', f(SCAN, 'free windows served') > 0 ? f(WALK, 'free windows served') === f(SCAN, 'free windows served') && examinedRatio <= 0.1 : undefined, `served ${formatNumber(f(WALK, 'free windows served'))} vs ${formatNumber(f(SCAN, 'free windows served'))}; items ${formatNumber(f(WALK, 'free-window examined per request'))} vs ${formatNumber(f(SCAN, 'free-window examined per request'))} per request = ${formatRatio(examinedRatio)} (threshold <= 0.1x)`),
        walkTime,
      ]),
      `${examinedRatio <= 0.1 ? 'Yes' : 'Not by much'}: per request the free-list walk looked at ${formatNumber(f(WALK, 'free-window examined per request'))} free blocks against ${formatNumber(f(SCAN, 'free-window examined per request'))} pages for the scan, ${formatNumber(f(WALK, 'free-window ms per request'))} ms against ${formatNumber(f(SCAN, 'free-window ms per request'))} ms, serving ${formatNumber(f(WALK, 'free windows served'))} windows against ${formatNumber(f(SCAN, 'free windows served'))}.`,
      EXAMINED_CHART,
    );

    const asked = p.requests.length * p.tries;
    const guarantee = f(MEMAREA, 'window existed') > 0 ? f(MEMAREA, 'failed while a window existed') === 0 && f(MEMAREA, 'served') > f(C2019, 'served') : undefined;
    review.answer(
      'Can it be good enough that no backup allocator is needed, failing only when the memory truly is not there?',
      judge(
        'With alignment and offset, memarea fails no request for which brute force finds a clearable window, and serves more requests than the 2019 alloc_contig_pages.',
        guarantee,
        `memarea failed ${formatNumber(f(MEMAREA, 'failed while a window existed'))} of ${formatNumber(f(MEMAREA, 'window existed'))} with a window (threshold 0); served ${formatNumber(f(MEMAREA, 'served'))} vs 2019 ${formatNumber(f(C2019, 'served'))} of ${asked}`,
      ),
      `Memarea served ${formatNumber(f(MEMAREA, 'served'))} of ${asked} aligned, offset requests, failing ${formatNumber(f(MEMAREA, 'failed while a window existed'))} that brute force said could be cleared; the 2019 baseline, which needs an already free window and takes no alignment or offset, served ${formatNumber(f(C2019, 'served'))}.`,
      SERVED_CHART,
    );

    review.answer(
      'Would building a temporary zone over the target area and using the normal mechanisms work?',
      judge(
        "Memarea's planned migration serves at least as many requests as a temporary zone over the target window, migrating no more pages.",
        f(TEMP, 'served') + f(MEMAREA, 'served') > 0 ? f(MEMAREA, 'served') >= f(TEMP, 'served') && f(MEMAREA, 'pages migrated') <= f(TEMP, 'pages migrated') : undefined,
        `served ${formatNumber(f(MEMAREA, 'served'))} vs ${formatNumber(f(TEMP, 'served'))}; pages migrated ${formatNumber(f(MEMAREA, 'pages migrated'))} vs ${formatNumber(f(TEMP, 'pages migrated'))}`,
      ),
      `It works: the temporary zone served ${formatNumber(f(TEMP, 'served'))} requests (memarea ${formatNumber(f(MEMAREA, 'served'))}), migrating ${formatNumber(f(TEMP, 'pages migrated'))} pages (memarea ${formatNumber(f(MEMAREA, 'pages migrated'))}) in ${formatNumber(f(TEMP, 'ms per request'))} ms per request (memarea ${formatNumber(f(MEMAREA, 'ms per request'))} ms), judging ${formatNumber(f(TEMP, 'examined per request'))} windows per request.`,
      SERVED_CHART,
    );

    const charts: Chart[] = [
      {
        title: EXAMINED_CHART,
        kind: 'bar',
        x: 'design',
        y: 'pages or free blocks',
        logY: true,
        points: [SCAN, WALK].map((d) => ({ series: d.label, x: d.id, y: Math.max(1, f(d, 'free-window examined per request')) })),
      },
      {
        title: SERVED_CHART,
        kind: 'bar',
        x: 'design',
        y: 'requests',
        points: [MEMAREA, TEMP, C2019].map((d) => ({ series: d.label, x: d.id, y: f(d, 'served') })),
      },
    ];
    return {
      figures,
      ...review.outcome(),
      charts,
      notes: [
        "The scan and the free-list walk are Ingo's D6 semantics (free pages only, no migration); they are compared with each other, not with the migrating designs.",
        'At this occupancy the temporary zone always finds room for what it moves, so it wastes no migration; it pays for having no plan only when room outside the window runs short (a test shows it giving a window back after moving blocks out).',
        'Brute force counts pages, not blocks: a window whose movable pages fit by count may still not fit block by block, so a "failed while a window existed" would need a closer look before it counts against memarea.',
      ],
    };
  },
});
