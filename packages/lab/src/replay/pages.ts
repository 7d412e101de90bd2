import { OffsetMap } from 'kalloc/internal';
import { PageAllocator, pageDesigns, type PcpDesign, type PcpStats, MIGRATETYPES } from 'kalloc';
import type { MemoryMap } from '../scenario.ts';
import { MapBuilder } from '../kit/memory-map.ts';
import { OP_ALLOC, OP_FREE, type PageOps } from './compact-trace.ts';
import { Stopwatch, type ProgressFn } from './stopwatch.ts';

/**
 * Page events replayed on PageAllocator designs through the public API. A model cannot be made
 * to return the kernel's pfn, so each traced allocation maps the traced pfn to the model's
 * handle, and the traced free of that pfn frees the model's block. Frees of pfns the trace never
 * allocated (the trace began mid-run) are counted as pre-allocated and skipped; so are the
 * mm_page_free_batched events that repeat an mm_page_free of the same page (kernels that trace
 * both report a batched free twice), counted apart as echoes.
 */
/** What each per-CPU design is, from the page registry (keyed by its `pcp` option). */
export const PAGE_DESIGNS = Object.fromEntries(pageDesigns('pcp').map((d) => [d.preset.pcp!, `${d.label}: ${d.summary}`])) as Record<PcpDesign, string>;

export interface PageReplay {
  design: string;
  /** Why the design could not run (e.g. not built yet), instead of figures. */
  unavailable?: string;
  ops: number;
  pages: number;
  cpus: number;
  ms: number;
  curve: { ops: number; ms: number }[];
  failedAllocs: number;
  /** Frees of pfns not live in the replay (echoes included). */
  preallocatedFrees: number;
  /** mm_page_free_batched events of a page whose mm_page_free was just replayed. */
  batchedEchoes: number;
  lostFrees: number;
  orderMismatches: number;
  otherMigratetypes: number;
  zoneLock: { acquisitions: number; pagesMoved: number };
  /** The per-CPU layer's own counters at the end. */
  pcp?: PcpStats;
  freePagesAtEnd: number;
  map?: MemoryMap;
}

// A live block's handle packs the model pfn, its order and migratetype into one number.
const pack = (pfn: number, order: number, mt: number) => pfn * 64 + order * 4 + mt;
const pfnOf = (h: number) => Math.floor(h / 64);
const orderOf = (h: number) => Math.floor(h / 4) % 16;
const mtOf = (h: number) => h % 4;

const MAX_ORDER = 10;

/** The model zone: as many pages as the traced machine's highest pfn, in whole max-order blocks. */
export function modelPages(ops: PageOps): number {
  const block = 2 ** MAX_ORDER;
  return Math.min(2 ** 26 - block, Math.max(block, Math.ceil((ops.maxPfn + 1) / block) * block));
}

/** Per-CPU cache size for a replay (the traced machine's /proc/zoneinfo high and batch). */
export interface PcpTuningOption {
  high?: number;
  batch?: number;
}

export function replayPages(ops: PageOps, design: PcpDesign, progress?: ProgressFn, tuning: PcpTuningOption = {}): PageReplay {
  const pages = modelPages(ops);
  const cpus = ops.cpus;
  const base: PageReplay = {
    design, ops: ops.count, pages, cpus, ms: 0, curve: [], failedAllocs: 0, preallocatedFrees: 0, batchedEchoes: 0, lostFrees: 0,
    orderMismatches: 0, otherMigratetypes: 0, zoneLock: { acquisitions: 0, pagesMoved: 0 }, freePagesAtEnd: pages,
  };
  let zone: PageAllocator;
  try {
    zone = new PageAllocator({
      pages, cpus, pcp: design,
      ...(tuning.high === undefined ? {} : { pcpHigh: tuning.high }),
      ...(tuning.batch === undefined ? {} : { pcpBatch: tuning.batch }),
    });
  } catch (error) {
    return { ...base, unavailable: error instanceof Error ? error.message : String(error) };
  }
  const { op, pfn, order, migratetype, cpu } = ops;
  const live = new OffsetMap(1024);
  const freedTraced = new OffsetMap(1024); // pfns whose last event was a replayed mm_page_free
  const cpuOpt = { cpu: 0 };
  const allocOpt: { migratetype: (typeof MIGRATETYPES)[number]; cpu: number } = { migratetype: 'unmovable', cpu: 0 };
  let failedAllocs = 0, preallocatedFrees = 0, batchedEchoes = 0, lostFrees = 0, orderMismatches = 0, otherMigratetypes = 0;
  const watch = new Stopwatch(ops.count, progress, design);
  for (let i = 0; i < ops.count; i++) {
    const traced = pfn[i]!;
    cpuOpt.cpu = cpu[i]!;
    if (op[i] === OP_ALLOC) {
      freedTraced.delete(traced);
      const stale = live.delete(traced);
      if (stale !== undefined) {
        lostFrees++; // allocated again without a traced free: the free was lost
        zone.free(pfnOf(stale), cpuOpt);
      }
      let mt = migratetype[i]!;
      if (mt >= MIGRATETYPES.length) {
        otherMigratetypes++; // highatomic / CMA / isolate: replayed as unmovable
        mt = 0;
      }
      allocOpt.migratetype = MIGRATETYPES[mt]!;
      allocOpt.cpu = cpuOpt.cpu;
      const o = order[i]!;
      const got = zone.alloc(o, allocOpt);
      if (got === undefined) failedAllocs++;
      else live.set(traced, pack(got, o, mt));
    } else {
      const h = live.delete(traced);
      if (h === undefined) {
        preallocatedFrees++;
        if (op[i] !== OP_FREE && freedTraced.delete(traced) !== undefined) batchedEchoes++;
      } else {
        if (orderOf(h) !== order[i]!) orderMismatches++;
        zone.free(pfnOf(h), cpuOpt);
        if (op[i] === OP_FREE) freedTraced.set(traced, 1);
      }
    }
    watch.tick(i);
  }
  const ms = watch.stop();
  zone.check();
  const stats = zone.stats();
  return {
    ...base, ms, curve: watch.curve, failedAllocs, preallocatedFrees, batchedEchoes, lostFrees, orderMismatches, otherMigratetypes,
    zoneLock: { ...stats.zoneLock }, pcp: stats.pcp, freePagesAtEnd: stats.freePages,
    map: liveMap(live, pages, design),
  };
}

/** The model's live blocks at the end, by migratetype, free space between them. */
function liveMap(live: OffsetMap, pages: number, design: string): MemoryMap {
  const blocks: number[] = [];
  for (const [, h] of live.entries()) blocks.push(h);
  blocks.sort((a, b) => a - b);
  const map = new MapBuilder(0, 'free');
  for (const h of blocks) map.add(pfnOf(h), pfnOf(h) + 2 ** orderOf(h), MIGRATETYPES[mtOf(h)]!);
  return { title: 'Model zone at the end of the replay (live traced allocations)', design, unit: 'pages', start: 0, end: pages, segments: map.finish(pages) };
}
