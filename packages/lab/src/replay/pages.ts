import { OffsetMap } from 'kalloc/internal';
import { PageAllocator, pageDesigns, type PcpDesign, type PcpStats, type ZoneinfoZone, MIGRATETYPES } from 'kalloc';
import type { MemoryMap } from '../scenario.ts';
import { MapBuilder } from '../kit/memory-map.ts';
import { COSTLY_ORDER, MODEL_MAX_ORDER, MOVE_REFILL, OP_ALLOC, OP_FREE, OP_FREE_BATCHED, PAGEBLOCK_ORDER, type PageOps } from './compact-trace.ts';
import { Stopwatch, type ProgressFn } from './stopwatch.ts';

/**
 * Page events replayed on PageAllocator designs through the public API. A model cannot be made
 * to return the kernel's pfn, so each traced allocation maps the traced pfn to the model's
 * handle, and the traced free of that pfn frees the model's block. The replay starts where the
 * kernel was (planReplay): pages allocated before the trace and freed in it are allocated first,
 * each CPU's cache is warmed with what the trace shows it held, and with the traced machine's
 * zoneinfo the caches start at its high and count. The model's time follows the trace's clock:
 * every second of it the kernel's vmstat refresh decays the caches (decayPcp).
 */
/** What each per-CPU design is, from the page registry (keyed by its `pcp` option). */
export const PAGE_DESIGNS = Object.fromEntries(pageDesigns('pcp').map((d) => [d.preset.pcp!, `${d.label}: ${d.summary}`])) as Record<PcpDesign, string>;
/** Each per-CPU design's one name in tables, legends and maps (the registry's label). */
export const PAGE_LABELS = Object.fromEntries(pageDesigns('pcp').map((d) => [d.preset.pcp!, d.label])) as Record<PcpDesign, string>;

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
  /** Pages allocated before the trace began and freed in it (allocated before the replay). */
  preallocatedFrees: number;
  /** mm_page_free events whose page was freed at the mm_page_free_batched after it. */
  batchedEchoes: number;
  /** Pages each CPU's cache held when the replay began (the warm start). */
  warmPages: number[];
  /** Frees of pages whose allocation left no event (alloc_pages_bulk, split pages). */
  untracedAllocs: number;
  lostFrees: number;
  orderMismatches: number;
  otherMigratetypes: number;
  /** During the replay (the warm start excluded). */
  zoneLock: { acquisitions: number; pagesMoved: number };
  /**
   * The same, counted as the kernel's tracepoints count them: frees of orders no CPU caches take
   * the lock without an event (free_one_page), so they are left out, as in the kernel's figure.
   */
  traced: { acquisitions: number; pagesMoved: number };
  /** Operations where the model and the kernel both took the lock or both did not, of all. */
  lockAgreement: number;
  /** The first operation where one took the zone lock and the other did not. */
  divergence?: Divergence;
  /** The per-CPU layer's own counters at the end, and its refills and drains once warm. */
  pcp?: PcpStats;
  pcpAtStart: { refills: number; drains: number };
  freePagesAtEnd: number;
  map?: MemoryMap;
}

// A live block's handle packs the model pfn, its order and migratetype into one number.
const pack = (pfn: number, order: number, mt: number) => pfn * 64 + order * 4 + mt;
const pfnOf = (h: number) => Math.floor(h / 64);
const orderOf = (h: number) => Math.floor(h / 4) % 16;
const mtOf = (h: number) => h % 4;

export interface Divergence {
  /** The trace's event number, its CPU, the operation, and what each did under the zone lock. */
  event: number;
  cpu: number;
  operation: string;
  kernel: string;
  model: string;
}

/** The model zone: as many pages as the traced machine's highest pfn, in whole max-order blocks. */
export function modelPages(ops: PageOps): number {
  const block = 2 ** MODEL_MAX_ORDER;
  return Math.min(2 ** 26 - block, Math.max(block, Math.ceil((ops.maxPfn + 1) / block) * block));
}

/**
 * The traced machine's per-CPU caches and zone, for a replay (from its /proc/zoneinfo at the
 * trace's start: pcpTuningFromZoneinfo). Without them the model uses PageAllocator's defaults.
 */
export interface PcpTuningOption {
  /** Each CPU's high at the start (or one for all), batch, and the auto-tuning bounds. */
  high?: number | number[];
  batch?: number;
  highMin?: number;
  highMax?: number;
  /** The zone's high watermark and free pages at the start: the model's watermark sits as far
   *  above its own free pages as the kernel's did. */
  watermarkHigh?: number;
  freePages?: number;
  /** Pages each CPU had cached at the start (zoneinfo count): the warm start fills to this. */
  cachedAtStart?: number[];
}

/** The pcp tuning of the zone the trace's pages come from, as zoneinfo shows it. */
export function pcpTuningFromZoneinfo(zones: ZoneinfoZone[], ops: PageOps): PcpTuningOption | undefined {
  const pfn = ops.count > 0 ? ops.pfn[0]! : 0;
  const zone = zones.find((z) => z.managed > 0 && z.startPfn >= 0 && pfn >= z.startPfn && pfn < z.startPfn + z.spanned);
  const sets = zone?.pagesets ?? [];
  if (!zone || sets.length === 0) return undefined;
  const cpus = Math.max(ops.cpus, sets.length);
  const of = (cpu: number) => sets.find((p) => p.cpu === cpu) ?? sets[0]!;
  return {
    high: Array.from({ length: cpus }, (_, c) => of(c).high),
    batch: sets[0]!.batch,
    highMin: sets[0]!.highMin,
    highMax: sets[0]!.highMax,
    watermarkHigh: zone.high,
    freePages: zone.freePages,
    cachedAtStart: Array.from({ length: cpus }, (_, c) => of(c).count),
  };
}

/** Orders the classic layer caches: 0..PAGE_ALLOC_COSTLY_ORDER and the pageblock order. */
const cachedOrder = (order: number) => order <= COSTLY_ORDER || order === PAGEBLOCK_ORDER;
const MOVABLE = 1;
const RECLAIMABLE = 2;
const UNMOVABLE = 0;

/** What the model does at each traced page operation, worked out before the replay. */
const DO_ALLOC = 0;
const DO_FREE = 1;
const DO_NOTHING = 2;
/** A free of a page whose allocation left no event and that no CPU list is known to have held
 *  (a page a list held is taken from it instead: `silent`): allocated on the freeing CPU just
 *  before it is freed. */
const DO_UNTRACED_FREE = 3;

interface ReplayPlan {
  action: Uint8Array;
  /** The order and migratetype index a free (DO_UNTRACED_FREE: the allocation before it) uses. */
  freeOrder: Uint8Array;
  freeType: Uint8Array;
  /** Pages allocated before the trace began and freed in it: [pfn, order, migratetype] triples. */
  preallocated: number[];
  /** mm_page_free events whose page the kernel committed at the mm_page_free_batched after it. */
  deferred: number;
  /** Frees, during the trace, of pages whose allocation the trace does not show. */
  untraced: number;
  /**
   * Of those, the ones taken from a CPU's list (see silentAllocations), as
   * [operation, pfn, cpu, order, migratetype] quintuples sorted by operation: the model takes
   * them from that CPU's cache just before that operation.
   */
  silent: number[];
}

/**
 * Reads the trace once before replaying it:
 *  - a page freed by mm_page_free and then by mm_page_free_batched (free_unref_folios traces
 *    both) is freed once, at the second event: that is where the kernel commits it to the cache;
 *  - a page freed before the trace allocated it was allocated before the trace began: the model
 *    allocates it before the replay, so that its free fills the CPU's cache as in the kernel;
 *  - a page freed without a traced allocation (alloc_pages_bulk and split pages leave no
 *    mm_page_alloc) was taken from the CPU list that held it (SilentAllocations); when no list
 *    held it, it is allocated on the freeing CPU just before its free.
 */
function planReplay(ops: PageOps): ReplayPlan {
  const { op, pfn, order, migratetype } = ops;
  const action = new Uint8Array(ops.count);
  const freeOrder = new Uint8Array(ops.count);
  const freeType = new Uint8Array(ops.count);
  // Backwards: whether the next event of the same pfn is an mm_page_free_batched, and the
  // migratetype its next allocation asks for (the best guess for its pageblock's type).
  const nextOp = new OffsetMap(1024);
  const nextMt = new OffsetMap(1024);
  const deferredAt = new Uint8Array(ops.count);
  const laterType = new Uint8Array(ops.count);
  for (let i = ops.count - 1; i >= 0; i--) {
    const p = pfn[i]!;
    if (op[i] === OP_FREE && nextOp.get(p) === OP_FREE_BATCHED) deferredAt[i] = 1;
    nextOp.set(p, op[i]!);
    if (op[i] === OP_ALLOC) nextMt.set(p, Math.min(migratetype[i]!, 3) % 3);
    else laterType[i] = nextMt.get(p) ?? MOVABLE;
  }
  const live = new OffsetMap(1024); // pfn -> migratetype + 1
  const seen = new OffsetMap(1024); // pfn -> its last migratetype + 1, once it had an event
  const deferredOrder = new OffsetMap(64);
  const preallocated: number[] = [];
  const silent = new SilentAllocations(ops, freeOrder, freeType);
  let deferred = 0, untraced = 0;
  for (let i = 0; i < ops.count; i++) {
    silent.moveUntil(i);
    const p = pfn[i]!;
    if (op[i] === OP_ALLOC) {
      action[i] = DO_ALLOC;
      const mt = migratetype[i]! < 3 ? migratetype[i]! : 0;
      live.set(p, mt + 1);
      seen.set(p, mt + 1);
      silent.allocated(p, i);
      continue;
    }
    if (deferredAt[i]) {
      action[i] = DO_NOTHING;
      deferred++;
      deferredOrder.set(p, order[i]!);
      continue;
    }
    action[i] = DO_FREE;
    const o = op[i] === OP_FREE ? order[i]! : (deferredOrder.delete(p) ?? 0);
    let mt = live.delete(p);
    if (mt === undefined && silent.takenFromList(p, i)) untraced++;
    else if (mt === undefined) {
      mt = seen.get(p);
      if (mt === undefined) preallocated.push(p, o, laterType[i]!); // its first event: allocated before the trace
      else {
        action[i] = DO_UNTRACED_FREE;
        untraced++;
      }
    }
    seen.set(p, mt ?? MOVABLE + 1);
    freeOrder[i] = o;
    freeType[i] = (mt ?? MOVABLE + 1) - 1;
    if (cachedOrder(o)) silent.freed(p, i);
  }
  return { action, freeOrder, freeType, preallocated, deferred, untraced, silent: silent.schedule() };
}

/**
 * Allocations the trace does not show that took a page from a CPU's list: alloc_pages_bulk
 * (vmalloc's order-0 pages among others) takes pages from the per-CPU lists, refilling them when
 * empty, without an mm_page_alloc event. Such a page shows as one that entered a CPU's list —
 * freed there, or brought by a refill (mm_page_alloc_zone_locked) — and is freed again later
 * without an allocation between. The kernel took it from that CPU's list in list order:
 *
 *   refill run on CPU c:  A B C D   (tail-added, taken from the head)
 *   traced allocs:        A .... then D      => B and C were taken after A's allocation
 *
 * so a refilled page is taken just after the traced allocation of the page before it in its
 * run (or with the run, when it leads it: the bulk allocation caused the refill), and a page
 * freed to the head of a list is taken just after its free. Replaying them there keeps each
 * CPU's cache as full as the kernel's; taking them at their free, on the freeing CPU, leaves the
 * source CPU's cache too full and refills late.
 */
class SilentAllocations {
  private next = 0;
  /** pfn -> its entry into a list: an operation (freed, >= 0) or -(move + 1) (refilled). */
  private readonly entry = new OffsetMap(1024);
  /** Per move: the operation before which its block had left the list (-1 while it has not). */
  private readonly leftBy: Float64Array;
  /** Per move: the move before it in its run on the same CPU, or -1 when it leads the run. */
  private readonly before: Float64Array;
  private readonly lastMoveOn: number[] = [];
  private readonly out: number[][] = [];

  /** The plan's order and migratetype index of each free. */
  /**
   * Per move: a run of one block. A refill takes at least two blocks (nr_pcp_alloc), so a lone
   * mm_page_alloc_zone_locked is a block the zone served its allocation directly (the per-CPU
   * list was busy, or the order is not cached): it never sat on a list.
   */
  private readonly alone: Uint8Array;

  constructor(private readonly ops: PageOps, private readonly freeOrder: Uint8Array, private readonly freeType: Uint8Array) {
    const m = ops.moves;
    this.leftBy = new Float64Array(m.count).fill(-1);
    this.before = new Float64Array(m.count).fill(-1);
    this.alone = loneMoves(ops);
  }

  /** Applies the kernel's refills and drains that came before operation `i`. */
  moveUntil(i: number): void {
    const m = this.ops.moves;
    for (; this.next < m.count && m.at[this.next]! <= i; this.next++) {
      const j = this.next, cpu = m.cpu[j]!;
      if (m.run[j] === 0 && this.lastMoveOn[cpu] !== undefined) this.before[j] = this.lastMoveOn[cpu]!;
      this.lastMoveOn[cpu] = j;
      if (m.kind[j] === MOVE_REFILL && m.mt[j]! < 3 && !this.alone[j]) this.entry.set(m.pfn[j]!, -(j + 1));
      else this.entry.delete(m.pfn[j]!); // drained to the zone (or a list the model does not have)
    }
  }

  /** A traced allocation of `pfn` at operation `i`. */
  allocated(pfn: number, i: number): void {
    const e = this.entry.delete(pfn);
    if (e !== undefined && e < 0) this.leftBy[-e - 1] = i + 1;
  }

  /** A free of `pfn` at operation `i` put it on its CPU's list (the plan's order and type). */
  freed(pfn: number, i: number): void {
    this.entry.set(pfn, i);
  }

  /** A free of `pfn` at operation `i` without a traced allocation: true when a list held it. */
  takenFromList(pfn: number, i: number): boolean {
    const e = this.entry.delete(pfn);
    if (e === undefined) return false;
    if (e >= 0) {
      this.out.push([Math.min(e + 1, i), pfn, this.ops.cpu[e]!, this.freeOrder[e]!, this.freeType[e]!]);
      return true;
    }
    const m = this.ops.moves, j = -e - 1;
    const at = Math.min(Math.max(this.takenAt(j), m.at[j]!), i);
    this.leftBy[j] = at;
    this.out.push([at, pfn, m.cpu[j]!, m.order[j]!, m.mt[j]!]);
    return true;
  }

  /** When the block of refill move `j` left the list: after the one before it in its run. */
  private takenAt(j: number): number {
    for (let k = this.before[j]!; k >= 0; k = this.before[k]!) if (this.leftBy[k]! >= 0) return this.leftBy[k]!;
    let lead = j;
    while (this.before[lead]! >= 0) lead = this.before[lead]!;
    return this.ops.moves.at[lead]!;
  }

  /** Every untraced allocation from a list, sorted by the operation before which it happens. */
  schedule(): number[] {
    return this.out.sort((a, b) => a[0]! - b[0]!).flat();
  }
}

export function replayPages(ops: PageOps, design: PcpDesign, progress?: ProgressFn, tuning: PcpTuningOption = {}): PageReplay {
  const pages = modelPages(ops);
  const cpus = Math.max(ops.cpus, Array.isArray(tuning.high) ? tuning.high.length : 1);
  const plan = planReplay(ops);
  const counted = startCounts(ops, plan, tuning, cpus);
  const warm = warmLists(ops, counted ? { ...tuning, cachedAtStart: counted } : tuning, cpus);
  const base: PageReplay = {
    design, ops: ops.count, pages, cpus, ms: 0, curve: [], failedAllocs: 0, preallocatedFrees: plan.preallocated.length / 3,
    batchedEchoes: plan.deferred, untracedAllocs: plan.untraced, warmPages: new Array<number>(cpus).fill(0), lostFrees: 0, orderMismatches: 0, otherMigratetypes: 0,
    zoneLock: { acquisitions: 0, pagesMoved: 0 }, traced: { acquisitions: 0, pagesMoved: 0 }, lockAgreement: 0, freePagesAtEnd: pages, pcpAtStart: { refills: 0, drains: 0 },
  };
  let zone: PageAllocator;
  try {
    zone = new PageAllocator({ pages, cpus, pcp: design, ...modelTuning(tuning, pages, plan, warm, cpus) });
  } catch (error) {
    return { ...base, unavailable: error instanceof Error ? error.message : String(error) };
  }
  const live = new OffsetMap(1024);
  const warmPages = startWhereTheKernelWas(zone, plan, warm, tuning, live, cpus);
  const { op, pfn, order, migratetype, cpu, time, event, kernelLocks, kernelLockPages } = ops;
  const cpuOpt = { cpu: 0 };
  const allocOpt: { migratetype: (typeof MIGRATETYPES)[number]; cpu: number } = { migratetype: 'unmovable', cpu: 0 };
  let failedAllocs = 0, lostFrees = 0, orderMismatches = 0, otherMigratetypes = 0;
  const lock0 = zone.zoneLockAcquisitions, moved0 = zone.zoneLockPagesMoved;
  const { refills, drains } = zone.stats().pcp;
  let uncachedFrees = 0, uncachedPages = 0, agree = 0;
  let divergence: Divergence | undefined;
  let nextTick = ops.count > 0 ? Math.floor(time[0]!) + 1 : 0;
  const silent = plan.silent;
  let s = 0; // the next silent allocation (5 numbers each)
  // Per CPU: the zone-lock work of silent allocations, set against that CPU's next traced
  // allocation, as the trace's own refill events are (loadTrace's kernelLocks).
  const silentLocks = new Float64Array(cpus), silentPages = new Float64Array(cpus);
  const watch = new Stopwatch(ops.count, progress, design);
  for (let i = 0; i < ops.count; i++) {
    if (time[i]! >= nextTick) {
      zone.decayPcp(); // vmstat_update: once a second on each CPU
      nextTick = Math.floor(time[i]!) + 1;
    }
    for (; s < silent.length && silent[s]! <= i; s += 5) {
      const [o, mt, c] = [silent[s + 3]!, silent[s + 4]!, silent[s + 2]!];
      allocOpt.migratetype = MIGRATETYPES[mt]!;
      allocOpt.cpu = c;
      const before = zone.zoneLockAcquisitions, movedBefore = zone.zoneLockPagesMoved;
      // Order 0 is alloc_pages_bulk's; what takes a higher order untraced is not known.
      const got = o === 0 ? zone.allocBulk(1, allocOpt)[0] : zone.alloc(o, allocOpt);
      if (got === undefined) failedAllocs++;
      else live.set(silent[s + 1]!, pack(got, o, mt));
      silentLocks[c]! += zone.zoneLockAcquisitions - before;
      silentPages[c]! += zone.zoneLockPagesMoved - movedBefore;
    }
    const locks = zone.zoneLockAcquisitions, moved = zone.zoneLockPagesMoved;
    const traced = pfn[i]!;
    cpuOpt.cpu = cpu[i]!;
    let untraced = 0, untracedPages = 0; // a free straight to the zone: the kernel has no event for it
    if (plan.action[i] === DO_ALLOC) {
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
    } else if (plan.action[i] === DO_UNTRACED_FREE) {
      allocOpt.migratetype = MIGRATETYPES[plan.freeType[i]!]!;
      allocOpt.cpu = cpuOpt.cpu;
      const got = zone.alloc(plan.freeOrder[i]!, allocOpt);
      if (got === undefined) failedAllocs++;
      else {
        zone.free(got, cpuOpt);
        if (!cachedOrder(plan.freeOrder[i]!)) {
          untraced = 1;
          untracedPages = 2 ** plan.freeOrder[i]!;
        }
      }
    } else if (plan.action[i] === DO_FREE) {
      const h = live.delete(traced);
      if (h !== undefined) {
        if (op[i] === OP_FREE && orderOf(h) !== order[i]!) orderMismatches++;
        zone.free(pfnOf(h), cpuOpt);
        if (!cachedOrder(orderOf(h))) {
          untraced = 1;
          untracedPages = 2 ** orderOf(h);
        }
      }
    }
    uncachedFrees += untraced;
    uncachedPages += untracedPages;
    let modelLocks = zone.zoneLockAcquisitions - locks - untraced;
    let modelPages = zone.zoneLockPagesMoved - moved - untracedPages;
    if (op[i] === OP_ALLOC) {
      const c = cpu[i]!;
      [modelLocks, modelPages] = [modelLocks + silentLocks[c]!, modelPages + silentPages[c]!];
      silentLocks[c] = silentPages[c] = 0;
    }
    if (modelLocks > 0 === kernelLocks[i]! > 0) agree++;
    else divergence ??= {
      event: event[i]!, cpu: cpu[i]!,
      operation: `${op[i] === OP_ALLOC ? 'allocation' : 'free'} of order ${order[i]}`,
      kernel: lockAction(op[i]!, kernelLocks[i]!, kernelLockPages[i]!),
      model: lockAction(op[i]!, modelLocks, modelPages),
    };
    watch.tick(i);
  }
  const ms = watch.stop();
  zone.check();
  const stats = zone.stats();
  const acquisitions = stats.zoneLock.acquisitions - lock0, pagesMoved = stats.zoneLock.pagesMoved - moved0;
  return {
    ...base, ms, curve: watch.curve, failedAllocs, warmPages, lostFrees, orderMismatches, otherMigratetypes,
    zoneLock: { acquisitions, pagesMoved },
    traced: { acquisitions: acquisitions - uncachedFrees, pagesMoved: pagesMoved - uncachedPages },
    lockAgreement: ops.count === 0 ? 1 : agree / ops.count,
    ...(divergence ? { divergence } : {}),
    pcp: stats.pcp, pcpAtStart: { refills, drains }, freePagesAtEnd: stats.freePages,
    map: liveMap(live, pages, design),
  };
}

/** What one side did under the zone lock at one operation, in words. */
function lockAction(op: number, locks: number, pages: number): string {
  if (locks <= 0) return op === OP_ALLOC ? 'took a page from its cache (no zone lock)' : 'kept the page in its cache (no zone lock)';
  const what = op === OP_ALLOC ? 'refilled' : 'drained';
  return `${what} ${pages} pages under the zone lock${locks > 1 ? ` (${locks} acquisitions)` : ''}`;
}

/**
 * Each CPU's cached page count when the trace began, read off the kernel's own decisions: with
 * high pinned (high_min = high_max), a free drains exactly when the count it leaves reaches high.
 * The count's changes the trace shows (frees and allocations through the lists, refills, drains,
 * the plan's untraced allocations) give it relative to the start, so each free bounds the start:
 * at least high - change after a draining free, at most high - 1 - change after another. The
 * bounds are taken in trace order until they contradict each other (what the trace cannot show
 * has drifted the count by then); the start is the lowest count they allow. A zoneinfo snapshot
 * is taken before the trace starts and its count is stale by then. Undefined when high is not
 * pinned or not known; a CPU without a draining free keeps the snapshot's count, lowered to the
 * bound when it breaks one.
 */
function startCounts(ops: PageOps, plan: ReplayPlan, t: PcpTuningOption, cpus: number): number[] | undefined {
  if (t.high === undefined || t.highMin !== t.highMax) return undefined;
  const highOf = (cpu: number) => t.highMin ?? (Array.isArray(t.high) ? t.high[cpu] ?? t.high[0]! : (t.high as number));
  const change = new Float64Array(cpus), lo = new Float64Array(cpus).fill(-Infinity), hi = new Float64Array(cpus).fill(Infinity);
  const settled = new Uint8Array(cpus);
  const direct = new OffsetMap(64); // pfns the zone served directly: they never touch a list
  const m = ops.moves, silent = plan.silent, alone = loneMoves(ops);
  let j = 0, s = 0;
  for (let i = 0; i < ops.count; i++) {
    for (; j < m.count && m.at[j]! <= i; j++) {
      if (m.kind[j] === MOVE_REFILL && alone[j]) direct.set(m.pfn[j]!, 1);
      else if (m.cpu[j]! < cpus) change[m.cpu[j]!]! += (m.kind[j] === MOVE_REFILL ? 1 : -1) * 2 ** m.order[j]!;
    }
    for (; s < silent.length && silent[s]! <= i; s += 5) if (silent[s + 2]! < cpus) change[silent[s + 2]!]! -= 2 ** silent[s + 3]!;
    const c = ops.cpu[i]!;
    if (c >= cpus) continue;
    if (plan.action[i] === DO_ALLOC) {
      if (direct.delete(ops.pfn[i]!) === undefined && ops.migratetype[i]! < 3 && cachedOrder(ops.order[i]!)) change[c]! -= 2 ** ops.order[i]!;
    } else if ((plan.action[i] === DO_FREE || plan.action[i] === DO_UNTRACED_FREE) && cachedOrder(plan.freeOrder[i]!)) {
      change[c]! += 2 ** plan.freeOrder[i]!;
      if (settled[c]) continue;
      const high = highOf(c);
      const [l, h] = ops.kernelLocks[i]! > 0 ? [Math.max(lo[c]!, high - change[c]!), hi[c]!] : [lo[c]!, Math.min(hi[c]!, high - 1 - change[c]!)];
      if (l > h) settled[c] = 1;
      else [lo[c], hi[c]] = [l, h];
    }
  }
  return Array.from({ length: cpus }, (_, c) => {
    const snapshot = t.cachedAtStart?.[c];
    if (Number.isFinite(lo[c]!)) return Math.max(0, lo[c]!);
    return Math.max(0, Math.min(snapshot ?? 0, hi[c]!));
  });
}

/** Per move: 1 for a run of one block (see SilentAllocations.alone). */
function loneMoves(ops: PageOps): Uint8Array {
  const m = ops.moves;
  const alone = new Uint8Array(m.count);
  const continued: boolean[] = []; // per CPU: the move after this one continues its run
  for (let j = m.count - 1; j >= 0; j--) {
    const cpu = m.cpu[j]!;
    if (m.run[j] === 1 && !continued[cpu]) alone[j] = 1;
    continued[cpu] = m.run[j] === 0;
  }
  return alone;
}

/** PageAllocator options for the traced machine's tuning, its watermark moved to the model's free pages. */
type WarmList = PageOps['warm'][number];

/**
 * Each CPU's cache at the start: the blocks the trace shows (PageOps.warm), and — when zoneinfo
 * gave the count — the rest of the count as blocks of the cached orders, largest first, which the trace
 * never touched: in the kernel they sat on lists no allocation reached and no drain got to, so in
 * the model they go where drains, which start at the freed page's list, come last.
 */
function warmLists(ops: PageOps, t: PcpTuningOption, cpus: number): WarmList[] {
  const lists = ops.warm.filter((w) => w.cpu < cpus);
  const allocated = new Set<number>(); // (cpu, order, mt) lists the trace allocates from
  for (let i = 0; i < ops.count; i++) if (ops.op[i] === OP_ALLOC) allocated.add((ops.cpu[i]! * 16 + ops.order[i]!) * 4 + Math.min(ops.migratetype[i]!, 3));
  for (let cpu = 0; cpu < cpus; cpu++) {
    let rest = (t.cachedAtStart?.[cpu] ?? 0) - lists.reduce((n, w) => n + (w.cpu === cpu ? w.blocks * 2 ** w.order : 0), 0);
    // Pageblock-order blocks, then each cached order from the costly one down on the first list
    // of it no traced allocation takes from (a list an allocation reaches shows its content in
    // the trace), so that the lists hold the whole count where they can.
    const untouched = (order: number) => [RECLAIMABLE, UNMOVABLE, MOVABLE].find((mt) => !allocated.has((cpu * 16 + order) * 4 + mt));
    const orders: [number, number | undefined][] = [[PAGEBLOCK_ORDER, MOVABLE]];
    for (let order = COSTLY_ORDER; order >= 0; order--) orders.push([order, untouched(order)]);
    for (const [order, mt] of orders) {
      if (mt === undefined) continue;
      const blocks = Math.floor(Math.max(0, rest) / 2 ** order);
      if (blocks > 0) lists.push({ cpu, order, mt, blocks });
      rest -= blocks * 2 ** order;
    }
  }
  return lists;
}

function modelTuning(t: PcpTuningOption, pages: number, plan: ReplayPlan, warm: WarmList[], cpus: number) {
  const high = Array.isArray(t.high) ? Array.from({ length: cpus }, (_, c) => (t.high as number[])[c] ?? (t.high as number[])[0]!) : t.high;
  let watermarkHigh: number | undefined;
  if (t.watermarkHigh !== undefined && t.freePages !== undefined) {
    let used = 0;
    for (let i = 1; i < plan.preallocated.length; i += 3) used += 2 ** plan.preallocated[i]!;
    for (const w of warm) used += w.blocks * 2 ** w.order;
    watermarkHigh = Math.max(0, t.watermarkHigh + (pages - used) - t.freePages);
  }
  return {
    ...(high === undefined ? {} : { pcpHigh: high }),
    ...(t.batch === undefined ? {} : { pcpBatch: t.batch }),
    ...(t.highMin === undefined ? {} : { pcpHighMin: t.highMin }),
    ...(t.highMax === undefined ? {} : { pcpHighMax: t.highMax }),
    ...(watermarkHigh === undefined ? {} : { watermarkHigh }),
  };
}

/**
 * The model's state at the trace's start: pages allocated before the trace (freed in it) are
 * allocated, the caches those allocations filled are emptied, each CPU's tuning starts as
 * zoneinfo showed it, and its cache is warmed (warmLists). Returns the pages each CPU holds.
 */
function startWhereTheKernelWas(zone: PageAllocator, plan: ReplayPlan, lists: WarmList[], t: PcpTuningOption, live: OffsetMap, cpus: number): number[] {
  const opt: { migratetype: (typeof MIGRATETYPES)[number] } = { migratetype: 'movable' };
  for (let i = 0; i < plan.preallocated.length; i += 3) {
    const [traced, order, mt] = [plan.preallocated[i]!, plan.preallocated[i + 1]!, plan.preallocated[i + 2]!];
    opt.migratetype = MIGRATETYPES[mt]!;
    const got = zone.alloc(order, opt);
    if (got !== undefined) live.set(traced, pack(got, order, mt));
  }
  zone.drain();
  const warm = new Array<number>(cpus).fill(0);
  const high = (c: number) => (Array.isArray(t.high) ? t.high[c] : t.high);
  for (let c = 0; c < cpus; c++) zone.warmPcp(c, 0, { migratetype: 'movable', blocks: 0, ...(high(c) === undefined ? {} : { high: high(c)! }) });
  for (const w of lists) warm[w.cpu]! += zone.warmPcp(w.cpu, w.order, { migratetype: MIGRATETYPES[w.mt]!, blocks: w.blocks }) * 2 ** w.order;
  return warm;
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
