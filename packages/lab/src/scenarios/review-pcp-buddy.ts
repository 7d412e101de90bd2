import { defineScenario, type Chart } from '../scenario.ts';
import { ReviewThread } from '../kit/review.ts';
import { judge, judgeAll, judgeRatio, spreadOf } from '../kit/claims.ts';
import { formatBytes, formatNumber, formatRatio } from '../format.ts';
import { Prng, pageDesigns, type PageDesign } from 'kalloc';
import { now, sinceMs } from '../kit/clock.ts';
import { median } from '../kit/stats.ts';
import { TrackedZone } from '../workloads/page.ts';
import { MACHINE_PCP, PcpZone } from '../workloads/pcp.ts';
import { runExit, type ExitParams } from './pcp-exit.ts';

/**
 * The questions of the pcp buddy RFC thread (Johannes Weiner, April 2026, with Rik van Riel,
 * Vlastimil Babka and others cc'd), answered on every per-CPU design of the page registry.
 */
const THREAD = 'pcp buddy allocator RFC thread (linux-mm, April 2026)';
const DESIGNS = pageDesigns('pcp');
const byPcp = (pcp: string): PageDesign => DESIGNS.find((d) => d.preset.pcp === pcp)!;
const BUDDY = byPcp('buddy');
const CLASSIC = byPcp('classic');
const NONE = byPcp('none');

interface Params {
  exit: ExitParams;
  /** The contiguous-allocation run: a zone of `pages`, `cpus` CPUs churning to `fill`. */
  pages: number;
  cpus: number;
  fill: number;
  /** Share of the churn's allocations that are unmovable (made first, on CPU 0). */
  unmovable: number;
  /** 1 GiB ranges asked for, then 2 MiB ranges. */
  hugeCount: number;
  gigaCount: number;
  /** Repetitions of the contiguous run on fresh zones, for its latency. */
  contigReps: number;
  /** The check-heavy run: ops on a small zone with check() after every one. */
  checkPages: number;
  checkOps: number;
  seed: number;
}

const HUGE = 512; // 2 MiB of 4 KiB pages
const MERGES_CHART = 'Buddy merges by lock in the exit avalanche';
const CONTIG_CHART = 'Contiguous ranges obtained per design';
const GIGA = 1 << 18; // 1 GiB

/** A zone of `design` lived in by CPUs (frees mostly on another CPU), so caches hold pageblocks. */
function livedInZone(design: PageDesign, p: Params): TrackedZone {
  const z = new TrackedZone(p.pages, design, true, { cpus: p.cpus, pcpHigh: MACHINE_PCP.high, pcpBatch: MACHINE_PCP.batch });
  const r = new Prng(p.seed);
  // Unmovable allocations first, on CPU 0 (as boot-time kernel data), then movable churn.
  while (p.pages - z.a.freePages < p.pages * p.fill * p.unmovable) if (z.alloc(r.below(3), 'unmovable', 0) === undefined) break;
  while (p.pages - z.a.freePages < p.pages * p.fill * 1.2) if (z.alloc(r.below(3), 'movable', r.below(p.cpus)) === undefined) break;
  while (p.pages - z.a.freePages > p.pages * p.fill) {
    const pfn = z.randomLive(r)!;
    if (z.kind.get(pfn) === 'movable') z.free(pfn, r.below(p.cpus));
  }
  return z;
}

/**
 * Contiguous allocations the hugetlb way while CPUs hold cached pageblocks: 1 GiB ranges, then
 * 2 MiB ranges (allocContig migrating movable pages, draining CPU caches when a search fails).
 * The designs take turns request by request, so machine noise hits their latencies alike.
 */
function runContig(p: Params): Map<PageDesign, Record<string, number>> {
  const zones = DESIGNS.map((d) => livedInZone(d, p));
  const before = zones.map((z) => z.a.stats());
  const latencies: number[][] = DESIGNS.map(() => []);
  const huge = DESIGNS.map(() => 0);
  const giga = DESIGNS.map(() => 0);
  // The 1 GiB batch first: 2 MiB ranges taken first would stand in every 1 GiB window.
  for (let i = 0; i < p.hugeCount + p.gigaCount; i++) {
    const pages = i < p.gigaCount ? GIGA : HUGE;
    zones.forEach((z, k) => {
      const t0 = now();
      const pfn = z.a.allocContig(pages, { cpu: i % p.cpus });
      latencies[k]!.push(sinceMs(t0));
      if (pfn === undefined) return;
      z.remember(pfn, pages, 'contig');
      if (pages === HUGE) huge[k]!++;
      else giga[k]!++;
    });
  }
  const out = new Map<PageDesign, Record<string, number>>();
  DESIGNS.forEach((d, k) => {
    const z = zones[k]!;
    const b = before[k]!;
    const after = z.a.stats();
    z.a.check();
    out.set(d, {
      'cached pages before': b.pcp.cachedPages,
      'owned pageblocks before': b.pcp.ownedPageblocks,
      '2 MiB ranges obtained': huge[k]!,
      '1 GiB ranges obtained': giga[k]!,
      'pages drained from CPU caches': b.pcp.cachedPages - after.pcp.cachedPages,
      'contig zone lock acquisitions': after.zoneLock.acquisitions - b.zoneLock.acquisitions,
      'contig median ms': median(latencies[k]!),
      'contig max ms': Math.max(...latencies[k]!),
      'pages migrated': after.migratedPages - b.migratedPages,
    });
  });
  return out;
}

/**
 * Random allocations and frees of orders 0-3 on random CPUs (frees mostly remote) on a small
 * zone, with check() after every operation: it verifies that every queued free sits with the
 * owner of its pageblock and that no CPU caches two free buddies of an owned pageblock unmerged.
 */
function runChecked(p: Params): { merges: number; checks: number; violations: number; remote: number } {
  const z = new TrackedZone(p.checkPages, BUDDY, true, { cpus: 4, pcpHigh: 64, pcpBatch: 8, pageblockOrder: 5, maxOrder: 7 });
  const r = new Prng(p.seed + 1);
  let checks = 0;
  let violations = 0;
  for (let i = 0; i < p.checkOps; i++) {
    const live = z.randomLive(r);
    if (live === undefined || r.chance(0.55)) z.alloc(r.below(4), r.chance(0.8) ? 'movable' : 'unmovable', r.below(4));
    else z.free(live, r.below(4));
    if (i % 997 === 0) z.a.drain(r.below(4));
    try {
      z.a.check();
    } catch {
      violations++;
    }
    checks++;
  }
  const s = z.a.stats().pcp;
  return { merges: s.cpuMerges, checks, violations, remote: s.remoteFrees };
}

export const reviewPcpBuddy = defineScenario<Params>({
  name: 'review-pcp-buddy',
  title: 'Review: the pcp buddy RFC thread, measured',
  claim: 'Each question of the pcp buddy RFC thread is one claim below, with its threshold; the scenario is met when all hold.',
  designs: DESIGNS.map((d) => d.label),
  metrics: {
    'merges under CPU lock': { unit: '', description: "exit avalanche: buddy merges on a CPU's own cache" },
    'merges under zone lock': { unit: '', better: 'lower', description: 'exit avalanche: buddy merges done by the zone' },
    'share merged on the CPU': { unit: '%', better: 'higher', description: 'exit avalanche: CPU-lock merges / all merges' },
    'cached pages before': { unit: 'pages', description: 'pages in CPU caches before the contiguous requests' },
    'owned pageblocks before': { unit: 'pageblocks' },
    '2 MiB ranges obtained': { unit: 'ranges', better: 'higher' },
    '1 GiB ranges obtained': { unit: 'ranges', better: 'higher' },
    'pages drained from CPU caches': { unit: 'pages', description: 'by the contiguous requests' },
    'contig zone lock acquisitions': { unit: '', better: 'lower' },
    'contig median ms': { unit: 'ms', better: 'lower', description: 'median latency of the requests; median over the repetitions' },
    'contig median ms (min)': { unit: 'ms', better: 'lower' },
    'contig median ms (max)': { unit: 'ms', better: 'lower' },
    'contig max ms': { unit: 'ms', better: 'lower' },
    'pages migrated': { unit: 'pages', better: 'lower' },
  },
  params: {
    full: {
      exit: { pages: 1 << 19, cpus: 8, exitPages: 1 << 18, run: 16 },
      pages: 1 << 20, cpus: 4, fill: 0.45, unmovable: 0.05, hugeCount: 256, gigaCount: 2, contigReps: 3,
      checkPages: 2048, checkOps: 6000, seed: 5,
    },
    quick: {
      exit: { pages: 1 << 17, cpus: 8, exitPages: 1 << 16, run: 16 },
      pages: 1 << 19, cpus: 4, fill: 0.45, unmovable: 0.05, hugeCount: 128, gigaCount: 1, contigReps: 2,
      checkPages: 1024, checkOps: 2000, seed: 5,
    },
  },
  describe: (p) =>
    `exit avalanche: ${formatBytes(p.exit.exitPages * 4096)} freed on CPU 0 of ${p.exit.cpus}; contiguous: a ${formatBytes(p.pages * 4096)} zone, ${p.cpus} CPUs (high ${MACHINE_PCP.high}, batch ${MACHINE_PCP.batch}) filled to ${Math.round(p.fill * 100)}% (${Math.round(p.unmovable * 100)}% of it unmovable, on CPU 0 first; movable frees on random CPUs), then ${p.gigaCount} x 1 GiB and ${p.hugeCount} x 2 MiB allocContig; checked run: ${p.checkOps} operations on a ${p.checkPages}-page zone, 4 CPUs, check() after each; seed ${p.seed}`,
  run(p, ctx) {
    const figures: Record<string, Record<string, number>> = {};
    DESIGNS.forEach((d, i) => {
      ctx.progress(i, DESIGNS.length + 2, `exit avalanche: ${d.label}`);
      const exit = runExit(p.exit, new PcpZone(d.preset.pcp!, p.exit.pages, p.exit.cpus));
      const cpu = exit['merges under CPU lock']!;
      const zone = exit['merges under zone lock']!;
      figures[d.label] = {
        'merges under CPU lock': cpu,
        'merges under zone lock': zone,
        'share merged on the CPU': cpu + zone === 0 ? 0 : (100 * cpu) / (cpu + zone),
      };
    });
    // The contiguous run, repeated on fresh zones (every repetition makes the same calls and gets
    // the same ranges): each repetition's median latency per design, for the latency claim.
    const medians = new Map<PageDesign, number[]>(DESIGNS.map((d) => [d, []]));
    for (let rep = 0; rep < p.contigReps; rep++) {
      ctx.progress(DESIGNS.length + rep / p.contigReps, DESIGNS.length + 2, `contiguous requests, designs taking turns (repetition ${rep + 1} of ${p.contigReps})`);
      for (const [d, figs] of runContig(p)) {
        medians.get(d)!.push(figs['contig median ms']!);
        if (rep === 0) Object.assign(figures[d.label]!, figs);
      }
    }
    for (const d of DESIGNS) {
      const ms = spreadOf(medians.get(d)!);
      Object.assign(figures[d.label]!, { 'contig median ms': ms.median, 'contig median ms (min)': ms.min, 'contig median ms (max)': ms.max });
    }
    ctx.progress(DESIGNS.length + 1, DESIGNS.length + 2, 'checked run');
    const checked = runChecked(p);
    ctx.progress(1, 1);
    const f = (d: PageDesign, m: string): number => figures[d.label]![m]!;
    const review = new ReviewThread(THREAD);

    const zoneRatio = f(BUDDY, 'merges under zone lock') / f(CLASSIC, 'merges under zone lock');
    review.answer(
      'Could the per-CPU layer merge freed pages before taking the zone lock?',
      judge(
        `When one CPU frees ${formatBytes(p.exit.exitPages * 4096)} that ${p.exit.cpus} CPUs allocated, the pcp buddy does at least 90% of its buddy merges under CPU locks and at most 0.1x classic's merges under the zone lock.`,
        f(CLASSIC, 'merges under zone lock') > 0 ? f(BUDDY, 'share merged on the CPU') >= 90 && zoneRatio <= 0.1 : undefined,
        `${formatNumber(f(BUDDY, 'share merged on the CPU'))}% on CPUs (threshold >= 90%); zone-lock merges ${formatNumber(f(BUDDY, 'merges under zone lock'))} vs classic ${formatNumber(f(CLASSIC, 'merges under zone lock'))} = ${formatRatio(zoneRatio)} (threshold <= 0.1x)`,
      ),
      `Yes: the pcp buddy merged ${formatNumber(f(BUDDY, 'merges under CPU lock'))} times on CPUs and ${formatNumber(f(BUDDY, 'merges under zone lock'))} under the zone lock; classic merged ${formatNumber(f(CLASSIC, 'merges under zone lock'))} times under the zone lock, no pcp ${formatNumber(f(NONE, 'merges under zone lock'))}.`,
      MERGES_CHART,
    );

    const asked = `${p.gigaCount} x 1 GiB then ${p.hugeCount} x 2 MiB`;
    const asMany = (m: string): boolean => f(BUDDY, m) >= f(CLASSIC, m) && f(BUDDY, m) >= f(NONE, m);
    const latency = judgeRatio('', medians.get(CLASSIC)!.map((c, i) => c / medians.get(BUDDY)![i]!), 0.5, 'classic / pcp buddy median latency ');
    review.answer(
      'How does contiguous allocation (alloc_contig_range, as hugetlb uses it) fare when CPUs own whole pageblocks?',
      judgeAll(`Owning pageblocks costs contiguous allocation no success: of ${asked} requests while CPUs hold cached pageblocks, the pcp buddy obtains as many ranges of each size as classic and as no pcp, with a median latency at most 2x classic's (classic / buddy >= 0.5x, ${p.contigReps === 1 ? 'one run' : `median of ${p.contigReps} repetitions`}, the designs taking turns request by request).`, [
        judge('', f(NONE, '1 GiB ranges obtained') + f(NONE, '2 MiB ranges obtained') > 0 ? asMany('2 MiB ranges obtained') && asMany('1 GiB ranges obtained') : undefined, `1 GiB + 2 MiB obtained: ${DESIGNS.map((d) => `${d.id} ${formatNumber(f(d, '1 GiB ranges obtained'))} + ${formatNumber(f(d, '2 MiB ranges obtained'))}`).join(', ')}`),
        latency,
      ]),
      `Of ${asked}: pcp buddy ${formatNumber(f(BUDDY, '1 GiB ranges obtained'))} + ${formatNumber(f(BUDDY, '2 MiB ranges obtained'))}, classic ${formatNumber(f(CLASSIC, '1 GiB ranges obtained'))} + ${formatNumber(f(CLASSIC, '2 MiB ranges obtained'))}, no pcp ${formatNumber(f(NONE, '1 GiB ranges obtained'))} + ${formatNumber(f(NONE, '2 MiB ranges obtained'))}; the pcp buddy drained ${formatNumber(f(BUDDY, 'pages drained from CPU caches'))} cached pages (classic ${formatNumber(f(CLASSIC, 'pages drained from CPU caches'))}) with ${formatNumber(f(BUDDY, 'contig zone lock acquisitions'))} zone-lock acquisitions (classic ${formatNumber(f(CLASSIC, 'contig zone lock acquisitions'))}), median ${formatNumber(f(BUDDY, 'contig median ms'))} ms vs ${formatNumber(f(CLASSIC, 'contig median ms'))} ms.`,
      CONTIG_CHART,
    );

    review.answer(
      'Is this a set of distributed buddy allocators, and how is a merge with a buddy known to be safe?',
      judge(
        `A CPU merges only inside a pageblock it owns, with a buddy on its own lists: over ${formatNumber(checked.checks)} operations on 4 CPUs (frees mostly remote) with check() after each, CPUs merge (> 0 merges) and check() never fails.`,
        checked.merges > 0 ? checked.violations === 0 : undefined,
        `${formatNumber(checked.merges)} CPU merges, ${formatNumber(checked.remote)} remote frees, ${checked.violations} check() failures (threshold 0)`,
      ),
      `Yes, one buddy allocator per CPU over the pageblocks it owns: a merge is safe because the buddy of a block below pageblock order lies in the same pageblock, which only its owner may cache; remote frees queue for the owner. ${formatNumber(checked.merges)} merges in ${formatNumber(checked.checks)} checked operations, ${checked.violations} violations.`,
    );

    const charts: Chart[] = [
      {
        title: MERGES_CHART,
        kind: 'bar',
        x: 'lock',
        y: 'merges',
        logY: true,
        points: DESIGNS.flatMap((d) => [
          { series: d.label, x: 'CPU lock', y: Math.max(1, f(d, 'merges under CPU lock')) },
          { series: d.label, x: 'zone lock', y: Math.max(1, f(d, 'merges under zone lock')) },
        ]),
      },
      {
        title: CONTIG_CHART,
        kind: 'bar',
        x: 'size',
        y: 'ranges',
        points: DESIGNS.flatMap((d) => [
          { series: d.label, x: '2 MiB', y: f(d, '2 MiB ranges obtained') },
          { series: d.label, x: '1 GiB', y: f(d, '1 GiB ranges obtained') },
        ]),
      },
    ];
    return {
      figures,
      ...review.outcome(),
      charts,
      notes: [
        'The merge chart plots max(1, count) on a log scale: a design with no merges of a kind shows 1.',
        'allocContig treats per-CPU cached pages as obstacles and drains them only when a search fails (first those in the window range, then every CPU), so cached pageblocks cost drains, not success.',
      ],
    };
  },
});
