import { formatNumber, formatRatio } from '../format.ts';
import type { MetricInfo } from '../scenario.ts';
import { PageAllocator, pageDesigns, type Migratetype, type PcpDesign } from 'kalloc';

/**
 * What the pcp scenarios share: the three designs side by side on the same calls, a caller that
 * keeps its blocks by handle (so the calls do not depend on the pfns a design returns), and the
 * zone-lock figures read from stats().
 */

/** The per-CPU designs of the page registry in its order (new, baseline, no cache), by `pcp` option. */
const PCP_DESIGNS = pageDesigns('pcp');
export const PCP_ORDER: PcpDesign[] = PCP_DESIGNS.map((d) => d.preset.pcp!);
export const PCP_LABELS = Object.fromEntries(PCP_DESIGNS.map((d) => [d.preset.pcp!, d.label])) as Record<PcpDesign, string>;

/**
 * The per-CPU cache size of the machine the traces were recorded on (/proc/zoneinfo, zone
 * Normal, 688128 managed pages, 2 CPUs): batch 63 and high_min 4960 (high auto-tunes between
 * 4960 and 43008 there; the scenarios hold it at high_min).
 */
export const MACHINE_PCP = { high: 4960, batch: 63 };

export const PCP_METRICS: Record<string, MetricInfo> = {
  'zone lock acquisitions': { unit: '', better: 'lower', description: 'times zone->lock was taken (a refill or drain batch counts once)' },
  'pages moved under zone lock': { unit: 'pages', better: 'lower', description: 'pages taken from or given back to the zone while holding its lock' },
  'blocks under zone lock': { unit: 'blocks', better: 'lower', description: 'blocks (of any order) the per-CPU layer took from or gave back to the zone' },
  'merges under zone lock': { unit: '', better: 'lower', description: 'buddy merges done by the zone' },
  'merges under CPU lock': { unit: '', description: "buddy merges done on a CPU's own cache" },
  'remote frees': { unit: '', description: 'frees routed to the CPU that owns the page' },
  drains: { unit: '', description: 'batches given back to the zone' },
  'ns/op': { unit: 'ns', better: 'lower', description: 'wall time per alloc or free (all simulated CPUs run on one thread)' },
};

type Snapshot = Record<string, number>;

/** A PageAllocator of one design and the blocks its caller holds, by handle. */
export class PcpZone {
  readonly a: PageAllocator;
  readonly design: PcpDesign;
  private pfns: number[] = [];
  private ops = 0;
  private ms = 0;
  private resumed = 0;
  failed = 0;

  constructor(design: PcpDesign, pages: number, cpus: number, tuning = MACHINE_PCP) {
    this.design = design;
    this.a = new PageAllocator({ pages, cpus, pcp: design, pcpHigh: tuning.high, pcpBatch: tuning.batch });
  }

  /** A block of `order` on `cpu`; its handle, or -1 when the zone is full. */
  alloc(cpu: number, order: number, migratetype: Migratetype = 'movable'): number {
    this.ops++;
    const pfn = this.a.alloc(order, { cpu, migratetype });
    if (pfn === undefined) {
      this.failed++;
      return -1;
    }
    this.pfns.push(pfn);
    return this.pfns.length - 1;
  }

  free(handle: number, cpu: number): void {
    if (handle < 0) return;
    this.ops++;
    this.a.free(this.pfns[handle]!, { cpu });
  }

  /** Returns the counters now and starts the clock (see figuresSince). */
  begin(): Snapshot {
    const counters = this.counters();
    this.ops = 0;
    this.ms = 0;
    this.resume();
    return counters;
  }

  /** Stops the clock (while the scenario samples or checks). */
  pause(): void {
    this.ms += performance.now() - this.resumed;
  }

  resume(): void {
    this.resumed = performance.now();
  }

  /** The PCP_METRICS figures of the work done since `from` = begin(), the clock running. */
  figuresSince(from: Snapshot): Record<string, number> {
    this.pause();
    const now = this.counters();
    const out: Record<string, number> = {};
    for (const key of Object.keys(now)) out[key] = now[key]! - from[key]!;
    out['ns/op'] = this.ops === 0 ? 0 : (this.ms * 1e6) / this.ops;
    return out;
  }

  private counters(): Snapshot {
    const s = this.a.stats();
    return {
      'zone lock acquisitions': s.zoneLock.acquisitions,
      'pages moved under zone lock': s.zoneLock.pagesMoved,
      'blocks under zone lock': s.pcp.zoneBlocks,
      'merges under zone lock': s.pcp.zoneMerges,
      'merges under CPU lock': s.pcp.cpuMerges,
      'remote frees': s.pcp.remoteFrees,
      drains: s.pcp.drains,
    };
  }
}

/** How many times fewer `metric` the newer design has than the older: older / newer. */
export function fewer(figures: Record<string, Record<string, number>>, metric: string, newer: string, older: string): number {
  const n = figures[newer]![metric]!;
  const o = figures[older]![metric]!;
  return n === 0 ? (o === 0 ? 1 : Infinity) : o / n;
}

/** "metric: classic 1,234, buddy 56 (22x fewer)" for verdicts. */
export function fewerLine(figures: Record<string, Record<string, number>>, metric: string, newer: string, older: string): string {
  const ratio = fewer(figures, metric, newer, older);
  return `${metric}: ${older} ${formatNumber(figures[older]![metric]!)}, ${newer} ${formatNumber(figures[newer]![metric]!)} (${Number.isFinite(ratio) ? formatRatio(ratio) : 'all'} fewer)`;
}
