import { KallocError, fault, invalid } from '../core/errors.ts';
import { roundDownPow2 } from '../core/bits.ts';
import { requireBoolean, requireInt, requireOptions, requirePowerOfTwo } from '../core/validate.ts';
import { compactZone, type CompactResult, type MigrateHook } from './compaction.ts';
import { allocContigRange, type ContigRequest, type ContigResult } from './contig.ts';
import { allocContigPages2019, type FreeRangeView } from './contig-2019.ts';
import { scanPages, tempZone, walkFreeLists } from './memarea-alternatives.ts';
import * as frag from './fragmentation.ts';
import { allocContigGigablocks } from './gigablock/contig.ts';
import { evacuateTainted } from './gigablock/evacuate.ts';
import { BlindGigablockPolicy } from './gigablock/blind-policy.ts';
import { MIGRATETYPES, NR_TYPES, UNMOVABLE, migratetypeIndex, type Migratetype } from './migratetype.ts';
import { PCP_DESIGNS, type PcpDesign, type PcpStats, type PerCpuLayer } from './pcp/api.ts';
import { createPerCpuLayer } from './pcp/percpu.ts';
import { defaultBatch, defaultHigh } from './pcp/tuning.ts';
import { BYTES_PER_PAGE, MAX_PAGES, MAX_ZONE_ORDER, Zone } from './zone.ts';

export type { Migratetype } from './migratetype.ts';
export type { PcpDesign, PcpStats } from './pcp/api.ts';
export type { CompactResult } from './compaction.ts';

export interface PageAllocatorOptions {
  /** Page frames in the zone (any count; the tail forms smaller blocks). */
  pages: number;
  /** Largest buddy order (MAX_PAGE_ORDER), default 10. */
  maxOrder?: number;
  /** Pages per pageblock = 2^pageblockOrder, default 9 (capped by maxOrder). */
  pageblockOrder?: number;
  /** Pages per gigablock = 2^gigablockOrder, default 18 (1 GiB of 4 KiB pages). */
  gigablockOrder?: number;
  /** Simulated CPUs, default 1. */
  cpus?: number;
  /** Per-CPU layer design, default 'none'. */
  pcp?: PcpDesign;
  /** Pages per refill or drain of a per-CPU cache; default zone_batchsize() (63 for >= 1 GiB). */
  pcpBatch?: number;
  /** Pages a CPU may cache before a free drains; default about the kernel's high_min. One value
   *  for every CPU or one per CPU (each CPU's high at the start, as /proc/zoneinfo shows it). */
  pcpHigh?: number | number[];
  /** Per-CPU caches (classic and pcp buddy): bounds of the automatic tuning of high (high_min,
   *  high_max); default both the starting high (pinned, as vm.percpu_pagelist_high_fraction does). */
  pcpHighMin?: number;
  pcpHighMax?: number;
  /** Per-CPU caches: the zone's high watermark in free pages; at or below it the caches shrink
   *  (ZONE_BELOW_HIGH). Default 0: never. */
  watermarkHigh?: number;
  /** Gigablock (1 GiB superpageblock) steering, default false. */
  gigablocks?: boolean;
  /**
   * With gigablocks, how placement finds a gigablock: 'index' (default; the bitmap index) or
   * 'blind' (the RFC's first version: visit gigablocks one by one; same picks, for comparison).
   */
  gigablockSearch?: GigablockSearch;
  /**
   * With gigablocks, whether a 1 GiB contiguous request is steered by the index to the clean
   * gigablock with the fewest pages to migrate ('index', default) or searches windows lowest
   * first as without gigablocks ('none').
   */
  contigTargeting?: ContigTargeting;
  /**
   * The allocContig design: 'memarea' (default; any size, migrates movable pages, compacts for
   * room) or '2019' (alloc_contig_pages as merged in 2019: aligned windows that are already free,
   * no migration), the baseline the lab compares with; or an alternative the alloc_memarea
   * thread raised (memarea-alternatives.ts): 'memarea-scan' (Ingo's page-by-page scan for free
   * pages), 'memarea-freelists' (the same from the buddy free lists) or 'temp-zone' (isolate a
   * window and migrate through the normal allocator, without a plan).
   */
  contig?: ContigDesign;
  /** Called when a movable block moves; without it movable blocks are pinned. */
  onMigrate?: (fromPfn: number, toPfn: number, order: number) => void;
}

export type ContigDesign = 'memarea' | '2019' | 'memarea-scan' | 'memarea-freelists' | 'temp-zone';
export type GigablockSearch = 'index' | 'blind';
const GIGABLOCK_SEARCHES: readonly GigablockSearch[] = ['index', 'blind'];
export type ContigTargeting = 'index' | 'none';
const CONTIG_TARGETINGS: readonly ContigTargeting[] = ['index', 'none'];
const CONTIG_DESIGNS: readonly ContigDesign[] = ['memarea', '2019', 'memarea-scan', 'memarea-freelists', 'temp-zone'];

export interface PageAllocOptions {
  /** Default 'unmovable' (GFP_KERNEL): never moved unless asked for. */
  migratetype?: Migratetype;
  cpu?: number;
}

export interface ContigOptions {
  /** Power of two; default the largest power of two <= nrPages. */
  align?: number;
  /** Result % align === offset; default 0, < align. */
  offset?: number;
  /** Window [start, end) the range must lie in; default the whole zone. */
  start?: number;
  end?: number;
  cpu?: number;
}

export interface PageAllocatorStats {
  pages: number;
  maxOrder: number;
  pageblockOrder: number;
  freePages: number;
  metadataBytesPerPage: number;
  buddyinfo: number[];
  pageblocks: Record<Migratetype, number>;
  zoneLock: { acquisitions: number; pagesMoved: number };
  pcp: PcpStats;
  /** Blocks moved by compaction and contiguous allocation, and their pages. */
  migrations: number;
  migratedPages: number;
  compaction: { runs: number; migrated: number };
  /** `examined`: what the alternatives' searches looked at (pages, free blocks or windows). */
  contig: { allocated: number; failed: number; pages: number; windowsJudged: number; examined: number };
  /** With gigablocks: how many, how many tainted (holding an allocated or per-CPU cached
   *  unmovable or reclaimable page), how many clean and wholly free, the bytes of their lists and
   *  index, and the gigablocks a blind search (gigablockSearch: 'blind') visited. */
  gigablocks: { enabled: boolean; order: number; count: number; tainted: number; cleanFree: number; metadataBytes: number; searched: number };
}

const OPTION_NAMES = ['pages', 'maxOrder', 'pageblockOrder', 'gigablockOrder', 'cpus', 'pcp', 'pcpBatch', 'pcpHigh', 'pcpHighMin', 'pcpHighMax', 'watermarkHigh', 'gigablocks', 'gigablockSearch', 'contigTargeting', 'contig', 'onMigrate'];
const ALLOC_OPTIONS = ['migratetype', 'cpu'];
const CPU_OPTION = ['cpu'];
const CONTIG_OPTIONS = ['align', 'offset', 'start', 'end', 'cpu'];
const COMPACT_OPTIONS = ['order'];
const WARM_OPTIONS = ['migratetype', 'blocks', 'high'];
const MAX_CPUS = 4096;

/** A migratetype name's index (EINVAL naming the value otherwise). */
function requireMigratetype(value: unknown): number {
  const mt = migratetypeIndex(value);
  if (mt < 0) throw invalid('migratetype', value, `must be one of ${MIGRATETYPES.join(', ')}`);
  return mt;
}

/**
 * PageAllocator: the physical page allocator of one zone. A thin façade: it validates every
 * argument, routes alloc/free through the per-CPU layer, and owns compaction and contiguous
 * allocation. The buddy free area lives in Zone (zone.ts). See docs/page-allocator.md.
 */
export class PageAllocator {
  readonly pages: number;
  readonly maxOrder: number;
  readonly pageblockOrder: number;
  readonly gigablockOrder: number;
  readonly cpus: number;
  readonly pcp: PcpDesign;
  readonly gigablocks: boolean;
  readonly contig: ContigDesign;
  readonly gigablockSearch: GigablockSearch;
  readonly contigTargeting: ContigTargeting;

  private readonly zone: Zone;
  private readonly percpu: PerCpuLayer;
  private readonly migrate: MigrateHook | undefined;
  private migrations = 0;
  private migratedPages = 0;
  private compactions = 0;
  private compactMigrated = 0;
  private contigAllocated = 0;
  private contigFailed = 0;
  private contigPages = 0;
  private windowsJudged = 0;
  private contigExamined = 0;
  /** True while onMigrate runs: a call back into this allocator is EBUSY (DESIGN.md). */
  private inCallback = false;

  constructor(options: PageAllocatorOptions) {
    const o = requireOptions('options', options, OPTION_NAMES);
    const pages = requireInt('pages', o.pages, 1, MAX_PAGES);
    const maxOrder = requireInt('maxOrder', o.maxOrder ?? 10, 0, MAX_ZONE_ORDER);
    const pageblockOrder = requireInt('pageblockOrder', o.pageblockOrder ?? Math.min(9, maxOrder), 0, maxOrder);
    const gigablockOrder = requireInt('gigablockOrder', o.gigablockOrder ?? 18, pageblockOrder, 30);
    const cpus = requireInt('cpus', o.cpus ?? 1, 1, MAX_CPUS);
    const pcp = o.pcp ?? 'none';
    if (!PCP_DESIGNS.includes(pcp)) throw invalid('pcp', pcp, `must be one of ${PCP_DESIGNS.join(', ')}`);
    const pcpBatch = requireInt('pcpBatch', o.pcpBatch ?? defaultBatch(pages), 1, MAX_PAGES);
    const pcpHigh = Array.isArray(o.pcpHigh)
      ? o.pcpHigh.map((h, cpu) => requireInt(`pcpHigh[${cpu}]`, h, 0, MAX_PAGES))
      : requireInt('pcpHigh', o.pcpHigh ?? defaultHigh(pages, cpus, pcpBatch), 0, MAX_PAGES);
    if (Array.isArray(pcpHigh) && pcpHigh.length !== cpus) throw invalid('pcpHigh', o.pcpHigh, `must have one value per CPU (${cpus})`);
    const highs = typeof pcpHigh === 'number' ? [pcpHigh] : pcpHigh;
    const pcpHighMin = requireInt('pcpHighMin', o.pcpHighMin ?? Math.min(...highs), 0, MAX_PAGES);
    const pcpHighMax = requireInt('pcpHighMax', o.pcpHighMax ?? Math.max(pcpHighMin, ...highs), pcpHighMin, MAX_PAGES);
    const watermarkHigh = requireInt('watermarkHigh', o.watermarkHigh ?? 0, 0, MAX_PAGES);
    const gigablocks = requireBoolean('gigablocks', o.gigablocks ?? false);
    const gigablockSearch = o.gigablockSearch ?? 'index';
    if (!GIGABLOCK_SEARCHES.includes(gigablockSearch)) throw invalid('gigablockSearch', gigablockSearch, `must be one of ${GIGABLOCK_SEARCHES.join(', ')}`);
    const contigTargeting = o.contigTargeting ?? 'index';
    if (!CONTIG_TARGETINGS.includes(contigTargeting)) throw invalid('contigTargeting', contigTargeting, `must be one of ${CONTIG_TARGETINGS.join(', ')}`);
    const contig = o.contig ?? 'memarea';
    if (!CONTIG_DESIGNS.includes(contig)) throw invalid('contig', contig, `must be one of ${CONTIG_DESIGNS.join(', ')}`);
    if (!gigablocks && gigablockSearch !== 'index') throw invalid('gigablockSearch', gigablockSearch, 'applies only with gigablocks: true');
    if (!gigablocks && contigTargeting !== 'index') throw invalid('contigTargeting', contigTargeting, 'applies only with gigablocks: true');
    if (gigablocks && gigablockOrder < maxOrder) {
      throw invalid('gigablockOrder', gigablockOrder, `must be at least maxOrder (${maxOrder}) with gigablocks: a free block may not span gigablocks`);
    }
    const onMigrate = o.onMigrate;
    if (onMigrate !== undefined && typeof onMigrate !== 'function') throw invalid('onMigrate', onMigrate, 'must be a function');

    this.pages = pages;
    this.maxOrder = maxOrder;
    this.pageblockOrder = pageblockOrder;
    this.gigablockOrder = gigablockOrder;
    this.cpus = cpus;
    this.pcp = pcp;
    this.gigablocks = gigablocks;
    this.contig = contig;
    this.gigablockSearch = gigablockSearch;
    this.contigTargeting = contigTargeting;
    this.zone = new Zone({ pages, maxOrder, pageblockOrder, ...(gigablocks ? { gigablockOrder, blindGigablockSearch: gigablockSearch === 'blind' } : {}) });
    this.percpu = createPerCpuLayer(pcp, this.zone, { cpus, high: pcpHigh, batch: pcpBatch, highMin: pcpHighMin, highMax: pcpHighMax, highWatermark: watermarkHigh });
    this.migrate =
      onMigrate &&
      ((from, to, order) => {
        this.migrations++;
        this.migratedPages += 2 ** order;
        this.inCallback = true;
        try {
          onMigrate(from, to, order);
        } finally {
          this.inCallback = false;
        }
      });
    const { index } = this.zone;
    const migrate = this.migrate;
    if (index !== undefined && migrate !== undefined) {
      this.zone.evacuator = (order) => {
        try {
          return evacuateTainted(this.zone, index, migrate, order);
        } finally {
          this.percpu.zoneChanged(0, this.pages); // it freed pages past the per-CPU layer
        }
      };
    }
  }

  /** A block of 2^order pages; its first pfn, or undefined when no block is free. */
  alloc(order: number, opts?: PageAllocOptions): number | undefined {
    if (typeof order !== 'number' || !(order >= 0 && order <= this.maxOrder) || (order | 0) !== order) {
      throw invalid('order', order, `must be an integer in [0, ${this.maxOrder}]`);
    }
    this.notReentered();
    let mt = UNMOVABLE;
    let cpu = 0;
    if (opts !== undefined) {
      const o = requireOptions('opts', opts, ALLOC_OPTIONS);
      if (o.migratetype !== undefined) mt = requireMigratetype(o.migratetype);
      if (o.cpu !== undefined) cpu = this.requireCpu(o.cpu);
    }
    const pfn = this.percpu.alloc(order, mt, cpu);
    return pfn < 0 ? undefined : pfn;
  }

  /**
   * Up to `count` single pages taken as the kernel's alloc_pages_bulk takes them: from `cpu`'s
   * cache (refilled when empty) without the tuning a single allocation does to it (the classic
   * layer's free_count is left alone). Returns their pfns; fewer than `count` when the zone runs
   * out. Free each with free().
   */
  allocBulk(count: number, opts?: PageAllocOptions): number[] {
    requireInt('count', count, 1, this.pages);
    this.notReentered();
    const o = requireOptions('opts', opts, ALLOC_OPTIONS);
    const mt = o.migratetype === undefined ? UNMOVABLE : requireMigratetype(o.migratetype);
    const cpu = o.cpu === undefined ? 0 : this.requireCpu(o.cpu);
    const pfns: number[] = [];
    for (let pfn = 0; pfns.length < count; pfns.push(pfn)) {
      pfn = this.percpu.alloc(0, mt, cpu, true);
      if (pfn < 0) break;
    }
    return pfns;
  }

  /** Frees a block returned by alloc(), given its first pfn. */
  free(pfn: number, opts?: { cpu?: number }): void {
    this.notReentered();
    this.requirePfn('pfn', pfn);
    let cpu = 0;
    if (opts !== undefined) {
      const o = requireOptions('opts', opts, CPU_OPTION);
      if (o.cpu !== undefined) cpu = this.requireCpu(o.cpu);
    }
    if (!this.zone.isAllocated(pfn)) throw this.notAllocated(pfn);
    this.percpu.free(pfn, cpu);
  }

  /**
   * nrPages contiguous pages, any count up to the whole zone, at pfn % align === offset inside
   * [start, end). Movable blocks in the way are migrated (onMigrate). Undefined only when no
   * such window can be cleared (see contig.ts).
   */
  allocContig(nrPages: number, opts?: ContigOptions): number | undefined {
    this.notReentered();
    const n = requireInt('nrPages', nrPages, 1, this.pages);
    const o = requireOptions('opts', opts, CONTIG_OPTIONS);
    const align = o.align === undefined ? roundDownPow2(n) : requirePowerOfTwo('align', o.align);
    const offset = o.offset === undefined ? 0 : requireInt('offset', o.offset, 0, Number.MAX_SAFE_INTEGER);
    if (offset >= align) throw invalid('offset', offset, `must be less than align (${align})`);
    const start = o.start === undefined ? 0 : requireInt('start', o.start, 0, this.pages);
    const end = o.end === undefined ? this.pages : requireInt('end', o.end, 0, this.pages);
    if (end < start) throw invalid('end', end, `must not be below start (${start})`);
    if (o.cpu !== undefined) this.requireCpu(o.cpu);
    // Per-CPU cached pages are obstacles, and not room for migration: drained only when the
    // search fails, first those in [start, end), then (room outside) every CPU's.
    if (this.contig === '2019') return this.allocContig2019(n, o);
    const request = { nrPages: n, align, offset, start, end };
    let r: ContigResult;
    try {
      r = this.searchContig(request);
      for (let stage = 0; r.pfn < 0 && this.percpu.cachedPages > 0 && stage < 2; stage++) {
        this.windowsJudged += r.windows;
        if (stage === 0) this.percpu.drainRange(start, end);
        else this.percpu.drain(-1);
        r = this.searchContig(request);
      }
      if (r.pfn < 0 && r.roomless > 0 && this.migrate !== undefined) {
        // Windows could be cleared but their movable blocks found no aligned room outside:
        // compact to make it, then search once more.
        this.windowsJudged += r.windows;
        this.compactions++;
        this.compactMigrated += compactZone(this.zone, this.migrate, undefined).migrated;
        this.percpu.zoneChanged(0, this.pages);
        r = this.searchContig(request);
      }
    } catch (error) {
      this.percpu.zoneChanged(0, this.pages); // onMigrate threw: what it saw is done
      this.contigFailed++;
      throw error;
    }
    this.windowsJudged += r.windows;
    if (r.pfn < 0) {
      this.contigFailed++;
      return undefined;
    }
    this.percpu.zoneChanged(0, this.pages);
    this.contigAllocated++;
    this.contigPages += n;
    return r.pfn;
  }

  /** The window search of allocContig: through the gigablock index when there is one. */
  private searchContig(request: ContigRequest): ContigResult {
    if (this.contig !== 'memarea') return this.searchAlternative(request);
    const { index, policy } = this.zone;
    if (index === undefined || policy === undefined || this.contigTargeting === 'none') return allocContigRange(this.zone, this.migrate, request);
    return allocContigGigablocks(this.zone, index, policy, this.migrate, request);
  }

  /** The alloc_memarea thread's alternatives (contig option), as a ContigResult. */
  private searchAlternative(request: ContigRequest): ContigResult {
    const r =
      this.contig === 'memarea-scan'
        ? scanPages(this.zone, request)
        : this.contig === 'memarea-freelists'
          ? walkFreeLists(this.zone, request)
          : tempZone(this.zone, this.migrate, request);
    this.contigExamined += r.examined;
    return { pfn: r.pfn, migrated: r.migrated, windows: 0, roomless: 0 };
  }

  /** Frees exactly a range returned by allocContig (or the 2019 baseline). */
  freeContig(pfn: number, nrPages: number): void {
    this.notReentered();
    this.requirePfn('pfn', pfn);
    requireInt('nrPages', nrPages, 1, this.pages);
    const length = this.zone.contigLength(pfn);
    if (length < 0) throw fault(`pfn = ${pfn}: not the start of a contiguous allocation (${this.zone.stateOf(pfn)})`);
    if (length !== nrPages) throw fault(`nrPages = ${nrPages}: the contiguous allocation at ${pfn} has ${length} pages`);
    this.zone.releaseRange(pfn, pfn + nrPages);
    this.percpu.zoneChanged(pfn, pfn + nrPages);
    this.contigPages -= nrPages;
  }

  /** Two-scanner compaction until a free block of `order` exists (all of it without an order). */
  compact(opts?: { order?: number }): CompactResult {
    this.notReentered();
    const o = requireOptions('opts', opts, COMPACT_OPTIONS);
    const order = o.order === undefined ? undefined : requireInt('order', o.order, 0, this.maxOrder);
    this.percpu.drain(-1);
    this.compactions++;
    if (this.migrate === undefined) return { migrated: 0, freedBlocks: 0 };
    let result: CompactResult;
    try {
      result = compactZone(this.zone, this.migrate, order);
    } finally {
      this.percpu.zoneChanged(0, this.pages);
    }
    this.compactMigrated += result.migrated;
    return result;
  }

  /** Returns per-CPU cached pages to the zone (all CPUs without an argument). */
  drain(cpu?: number): void {
    this.notReentered();
    this.percpu.drain(cpu === undefined ? -1 : this.requireCpu(cpu));
  }

  /**
   * What the kernel's per-second vmstat refresh does to the per-CPU caches of `cpu` (every CPU
   * when omitted): the classic and pcp buddy caches decay an auto-tuned high towards high_min
   * and drain the pages above it (decay_pcp_high). Without a cache there is nothing to decay.
   */
  decayPcp(cpu?: number): void {
    this.notReentered();
    const one = cpu === undefined ? -1 : this.requireCpu(cpu);
    for (let c = 0; c < this.cpus; c++) if (one < 0 || c === one) this.percpu.decay?.(c);
  }

  /**
   * A warm start of `cpu`'s cache, as a replay of a trace taken mid-run needs it (both caches):
   * its tuning state as after a quiet spell (alloc_factor, free_count 0), its high set to
   * `opts.high` when given, then up to `opts.blocks` free blocks of `order` cached on its list
   * for `opts.migratetype` (taken from the zone under one lock acquisition, like a refill).
   * Returns the blocks cached: 0 for an order the layer does not cache, or without a cache.
   */
  warmPcp(cpu: number, order: number, opts: { migratetype?: Migratetype; blocks: number; high?: number }): number {
    this.notReentered();
    const c = this.requireCpu(cpu);
    const o = requireOptions('opts', opts, WARM_OPTIONS);
    requireInt('order', order, 0, this.maxOrder);
    const blocks = requireInt('blocks', o.blocks, 0, this.pages);
    const high = o.high === undefined ? undefined : requireInt('high', o.high, 0, MAX_PAGES);
    const mt = o.migratetype === undefined ? UNMOVABLE : requireMigratetype(o.migratetype);
    return this.percpu.warm?.(c, high, order, mt, blocks) ?? 0;
  }

  buddyinfo(): number[] {
    return this.zone.buddyinfo();
  }

  pagetypeinfo(): { freeBlocks: Record<Migratetype, number[]>; pageblocks: Record<Migratetype, number> } {
    const freeBlocks = {} as Record<Migratetype, number[]>;
    const pageblocks = {} as Record<Migratetype, number>;
    for (let mt = 0; mt < NR_TYPES; mt++) {
      freeBlocks[MIGRATETYPES[mt]!] = this.zone.freeBlocksOf(mt);
      pageblocks[MIGRATETYPES[mt]!] = this.zone.pageblocksOf(mt);
    }
    return { freeBlocks, pageblocks };
  }

  fragmentationIndex(order: number): number {
    return frag.fragmentationIndex(this.buddyinfo(), order);
  }

  unusableIndex(order: number): number {
    return frag.unusableIndex(this.buddyinfo(), order);
  }

  get freePages(): number {
    return this.zone.freePages;
  }

  /**
   * Per pageblock, ascending: its migratetype and free pages (for memory maps in the lab; not
   * part of the public contract).
   */
  pageblockSummary(): { type: Migratetype; freePages: number; pages: number }[] {
    const out: { type: Migratetype; freePages: number; pages: number }[] = [];
    for (let pb = 0; pb < this.zone.pageblocks; pb++) {
      out.push({ type: MIGRATETYPES[this.zone.pbType[pb]!]!, freePages: this.zone.pbFree[pb]!, pages: this.zone.pageblockSize(pb) });
    }
    return out;
  }

  /**
   * The 2019 baseline (contig: '2019'): it knows only a size, so the window options of the
   * current design are refused rather than ignored.
   */
  private allocContig2019(nrPages: number, o: Partial<ContigOptions>): number | undefined {
    for (const key of ['align', 'offset', 'start', 'end'] as const) {
      if (o[key] !== undefined) throw invalid(`opts.${key}`, o[key], "is not supported by contig: '2019' (alloc_contig_pages took only a size)");
    }
    const pfn = allocContigPages2019(this.freeRanges(), nrPages);
    if (pfn === undefined) {
      this.contigFailed++;
      return undefined;
    }
    this.percpu.zoneChanged(pfn, pfn + nrPages);
    this.contigAllocated++;
    return pfn;
  }

  /** What the 2019 baseline reads and takes: free page ranges of the zone. */
  private freeRanges(): FreeRangeView {
    const zone = this.zone;
    return {
      pages: zone.pages,
      firstUsedPage: (from, to) => {
        for (let head = zone.blockStart(from); head < to; head = zone.blockEnd(head)) {
          if (!zone.isFreeHead(head)) return Math.max(head, from);
        }
        return -1;
      },
      takeFreeRange: (pfn, nrPages) => {
        zone.holdFreeRange(pfn, pfn + nrPages);
        zone.commitContig(pfn, nrPages);
        this.contigPages += nrPages;
      },
    };
  }

  /** Zone-lock acquisitions so far (stats().zoneLock.acquisitions, without building stats). */
  get zoneLockAcquisitions(): number {
    return this.zone.lockAcquisitions;
  }

  /** Pages moved under the zone lock so far (stats().zoneLock.pagesMoved). */
  get zoneLockPagesMoved(): number {
    return this.zone.pagesMoved;
  }

  stats(): PageAllocatorStats {
    const { pageblocks } = this.pagetypeinfo();
    return {
      pages: this.pages,
      maxOrder: this.maxOrder,
      pageblockOrder: this.pageblockOrder,
      freePages: this.zone.freePages,
      metadataBytesPerPage: BYTES_PER_PAGE,
      buddyinfo: this.buddyinfo(),
      pageblocks,
      zoneLock: { acquisitions: this.zone.lockAcquisitions, pagesMoved: this.zone.pagesMoved },
      pcp: this.percpu.stats(),
      migrations: this.migrations,
      migratedPages: this.migratedPages,
      compaction: { runs: this.compactions, migrated: this.compactMigrated },
      contig: { allocated: this.contigAllocated, failed: this.contigFailed, pages: this.contigPages, windowsJudged: this.windowsJudged, examined: this.contigExamined },
      gigablocks: this.gigablockStats(),
    };
  }

  private gigablockStats(): PageAllocatorStats['gigablocks'] {
    const index = this.zone.index;
    if (index === undefined) return { enabled: false, order: this.gigablockOrder, count: 0, tainted: 0, cleanFree: 0, metadataBytes: 0, searched: 0 };
    let cleanFree = 0;
    for (let gb = 0; gb < index.count; gb++) if (!index.isTainted(gb) && index.freePages[gb] === index.sizeOf(gb)) cleanFree++;
    return {
      enabled: true,
      order: this.gigablockOrder,
      count: index.count,
      tainted: index.tainted.count(),
      cleanFree,
      metadataBytes: this.zone.heads.byteLength + index.bytes,
      searched: this.zone.policy instanceof BlindGigablockPolicy ? this.zone.policy.examined : 0,
    };
  }

  check(): void {
    this.zone.check((pfn) => this.percpu.cachedTypeOf(pfn));
    this.percpu.check();
  }

  private notReentered(): void {
    if (this.inCallback) throw new KallocError('EBUSY', 'onMigrate called back into its PageAllocator (re-entrant calls are refused)');
  }

  private requireCpu(cpu: unknown): number {
    return requireInt('cpu', cpu, 0, this.cpus - 1);
  }

  private requirePfn(name: string, pfn: unknown): number {
    return requireInt(name, pfn, 0, this.pages - 1);
  }

  private notAllocated(pfn: number) {
    const state = this.zone.stateOf(pfn);
    const why =
      state === 'free'
        ? 'is free (double free?)'
        : state === 'tail'
          ? 'is inside a block, not its first page'
          : state === 'contig' || state === 'contig-tail'
            ? 'belongs to a contiguous allocation (use freeContig)'
            : 'is held by the allocator';
    return fault(`pfn = ${pfn}: ${why}`);
  }
}
