import { defineScenario, type MetricInfo } from '../scenario.ts';
import { formatBytes, formatNumber } from '../format.ts';
import { judge } from '../kit/claims.ts';
import { pageDesigns, type PageDesign } from 'kalloc';
import { fragmentedZone, type TrackedZone } from '../workloads/page.ts';

interface Params {
  pages: number;
  /** Request sizes in pages, asked in this order, each until its first failure. */
  sizes: number[];
  seed: number;
}

const [MEMAREA, CONTIG_2019] = pageDesigns('contig') as [PageDesign, PageDesign];
const KALLOC = MEMAREA.label;
const BASELINE = CONTIG_2019.label;
const BRUTE = 'brute force';

const label = (pages: number): string => formatBytes(pages * 4096).replace(' ', '');

/**
 * Brute force, from the caller's own record of every page (not the allocator's counters):
 * windows aligned to `size`, disjoint, lowest first; a window counts when no page in it is
 * unmovable or already contiguous, and the movable pages of the windows counted so far fit in
 * the free pages outside them.
 */
function bruteForceWindows(z: TrackedZone, size: number): number {
  const map = z.pageMap();
  let freeOutside = z.a.freePages;
  let movableToPlace = 0;
  let count = 0;
  for (let w = 0; w + size <= map.length; w += size) {
    let free = 0;
    let movable = 0;
    let fixed = false;
    for (let p = w; p < w + size && !fixed; p++) {
      const s = map[p]!;
      if (s === 0) free++;
      else if (s === 1) movable++;
      else fixed = true;
    }
    if (fixed || movableToPlace + movable > freeOutside - free) continue;
    freeOutside -= free;
    movableToPlace += movable;
    count++;
  }
  return count;
}

/** Asks `request` until it fails: successes, ms per success, ms of the failing request. */
function untilFailure(request: () => number | undefined, z: TrackedZone, size: number): { ok: number; msEach: number; msFail: number } {
  let ok = 0;
  let total = 0;
  for (;;) {
    const t0 = performance.now();
    const pfn = request();
    const ms = performance.now() - t0;
    if (pfn === undefined) return { ok, msEach: ok ? total / ok : 0, msFail: ms };
    z.remember(pfn, size, 'contig');
    total += ms;
    ok++;
  }
}

const PARAMS = {
  full: { pages: 1 << 22, sizes: [1 << 18, 1 << 16, 1 << 9], seed: 42 },
  quick: { pages: 1 << 16, sizes: [1 << 12, 1 << 10, 1 << 9], seed: 42 },
};

const metrics: Record<string, MetricInfo> = {};
for (const size of new Set([...PARAMS.full.sizes, ...PARAMS.quick.sizes])) {
  const name = label(size);
  metrics[`${name} ranges`] = { unit: 'ranges', better: 'higher', description: `${name} requests served before the first failure` };
  metrics[`${name} ms/request`] = { unit: 'ms', better: 'lower', description: 'wall time per successful request' };
  metrics[`${name} ms to fail`] = { unit: 'ms', description: 'wall time of the request that failed (the whole search)' };
  metrics[`${name} pages migrated`] = { unit: 'pages', description: 'movable pages moved out of the taken windows' };
}

const SIZE_CLAIM = (p: Params, size: number) =>
  `On a ${label(p.pages)} zone 80% full of a random mix (90% movable, 10% unmovable, orders 0-3), kalloc's allocContig gets every aligned ${label(size)} window a brute-force check says can be cleared (asked until its first failure)`;

export const contigScenario = defineScenario<Params>({
  name: 'contig',
  title: 'Contiguous allocation of any size on a fragmented zone',
  claim: (p) => p.sizes.map((size) => SIZE_CLAIM(p, size)).join('; '),
  designs: [KALLOC, BASELINE, BRUTE],
  metrics,
  params: PARAMS,
  describe: (p) => `a ${formatBytes(p.pages * 4096)} zone (${formatNumber(p.pages)} pages), requests of ${p.sizes.map((s) => formatBytes(s * 4096)).join(', ')}, seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = { [KALLOC]: {}, [BASELINE]: {}, [BRUTE]: {} };
    const steps = p.sizes.length;
    p.sizes.forEach((size, i) => {
      // Each size on freshly filled zones (the same seed), so the designs and sizes compare.
      ctx.progress(i, steps, `${label(size)} requests`);
      const kalloc = fragmentedZone(p.pages, p.seed, MEMAREA);
      const baseline = fragmentedZone(p.pages, p.seed, CONTIG_2019);
      const name = label(size);
      const possible = bruteForceWindows(kalloc, size);
      const k = untilFailure(() => kalloc.a.allocContig(size), kalloc, size);
      const b = untilFailure(() => baseline.a.allocContig(size), baseline, size);
      kalloc.a.check();
      baseline.a.check();
      figures[BRUTE]![`${name} ranges`] = possible;
      figures[KALLOC]![`${name} ranges`] = k.ok;
      figures[BASELINE]![`${name} ranges`] = b.ok;
      // No time per request where none was served: a 0 would read as infinitely fast.
      if (k.ok > 0) figures[KALLOC]![`${name} ms/request`] = k.msEach;
      if (b.ok > 0) figures[BASELINE]![`${name} ms/request`] = b.msEach;
      figures[KALLOC]![`${name} ms to fail`] = k.msFail;
      figures[BASELINE]![`${name} ms to fail`] = b.msFail;
      figures[KALLOC]![`${name} pages migrated`] = kalloc.a.stats().migratedPages;
      figures[BASELINE]![`${name} pages migrated`] = baseline.a.stats().migratedPages;
    });
    ctx.progress(steps, steps);
    // A size where brute force finds no clearable window measures nothing: 0 of 0 is not met.
    const claims = p.sizes.map((size) => {
      const n = label(size);
      const [k, possible, b] = [figures[KALLOC]![`${n} ranges`]!, figures[BRUTE]![`${n} ranges`]!, figures[BASELINE]![`${n} ranges`]!];
      return judge(SIZE_CLAIM(p, size), possible === 0 ? undefined : k >= possible, `${n}: kalloc ${k} of ${possible} clearable windows (2019: ${b})${possible === 0 ? ': no window could be cleared, nothing to measure' : ''}`);
    });
    return {
      figures,
      claims,
      notes: [
        'Brute force counts disjoint size-aligned windows holding no unmovable or contiguous page whose movable pages fit in the free pages left outside, from the caller\'s own page record; each size runs on freshly filled zones with the same seed.',
        'The 2019 baseline takes only windows with every page already free (no migration), as alloc_contig_pages did when merged.',
      ],
    };
  },
});
