import { NumberList, OffsetMap } from 'kalloc/internal';
import { SkipLog, type TraceEvent } from 'kalloc';

/**
 * A trace decoded once into columns of numbers (struct of arrays), so every design replays the
 * same operations from memory in a tight loop that can be timed — a few bytes per event instead
 * of the text or an object per event. Page and vmap operations are kept apart, in trace order.
 */

/** PAGE_ALLOC_COSTLY_ORDER and the pageblock (THP) order: the orders the kernel's CPUs cache. */
export const COSTLY_ORDER = 3;
export const PAGEBLOCK_ORDER = 9;

export const OP_ALLOC = 0;
export const OP_FREE = 1;
/** mm_page_free_batched: a free, which a kernel that also traces mm_page_free reports twice. */
export const OP_FREE_BATCHED = 2;
/** PageOps.moves kinds: a block into a CPU's list (a refill), out of it (a drain). */
export const MOVE_REFILL = 0;
export const MOVE_DRAIN = 1;
/** purge_vmap_area_lazy: the kernel returned its lazily freed areas. */
export const OP_PURGE = 3;

export interface PageOps {
  count: number;
  op: Float64Array; // OP_ALLOC | OP_FREE | OP_FREE_BATCHED
  pfn: Float64Array;
  order: Float64Array; // for frees: the traced order (0 for mm_page_free_batched)
  migratetype: Float64Array; // allocs only
  cpu: Float64Array;
  /** Seconds (the trace's clock), for the kernel's per-second cache decay. */
  time: Float64Array;
  /** The event's number in the trace (1-based, every kind counted), to name where things happened. */
  event: Float64Array;
  /**
   * What the traced kernel did under zone->lock for this operation: runs of
   * mm_page_alloc_zone_locked before an allocation on its CPU (a refill, or a direct buddy
   * allocation), runs of mm_page_pcpu_drain after a free on its CPU (a drain over high); the
   * runs and the pages they moved.
   */
  kernelLocks: Float64Array;
  kernelLockPages: Float64Array;
  /**
   * What each CPU's cache held when the trace began, as far as the trace shows: blocks whose
   * first event is an allocation from that CPU's cache (not preceded by the refill that brought
   * them, mm_page_alloc_zone_locked) or a drain from it (mm_page_pcpu_drain), by list.
   */
  warm: { cpu: number; order: number; mt: number; blocks: number }[];
  /**
   * Blocks the kernel moved between the zone and a CPU's lists, in trace order: each
   * mm_page_alloc_zone_locked (into `cpu`'s list, MOVE_REFILL) and mm_page_pcpu_drain (out of
   * it, MOVE_DRAIN), placed before the page operation at index `at`; `run` is 1 for the first
   * block of a run (one lock hold), 0 for the blocks after it.
   */
  moves: { count: number; kind: Float64Array; at: Float64Array; pfn: Float64Array; cpu: Float64Array; order: Float64Array; mt: Float64Array; run: Float64Array };
  maxPfn: number;
  cpus: number;
}

export interface VmapOps {
  count: number;
  op: Float64Array; // OP_ALLOC | OP_FREE | OP_PURGE
  cpu: Float64Array;
  start: Float64Array;
  size: Float64Array; // allocs only
  align: Float64Array; // allocs only
  /** The highest end of any successful allocation. */
  maxEnd: number;
}

export interface CompactTrace {
  pages: PageOps;
  vmap: VmapOps;
  /**
   * What the kernel itself did under zone->lock, from the trace (zone_locked / pcpu_drain).
   * The batches are runs of consecutive events of one kind on one CPU: a refill (rmqueue_bulk)
   * or a drain (free_pcppages_bulk) emits one event per page under a single lock hold.
   */
  kernel: { zoneLockedPages: number; zoneLockedEvents: number; zoneLockedBatches: number; drainedPages: number; drainedEvents: number; drainedBatches: number };
  /** Events by kind, and the allocations the kernel reported as failed (not replayed). */
  counts: Record<TraceEvent['kind'], number>;
  failedVmapAllocs: number;
  /** vmap events below the rebased vmalloc start (another region's vstart): not replayed. */
  vmapOutside: number;
  firstTime: number;
  lastTime: number;
}

/** The largest order the page models replay (their maxOrder). */
export const MODEL_MAX_ORDER = 10;
const MAX_CPUS = 4096;

/**
 * Why an event cannot be replayed although it parsed (a kernel with a larger max order, a
 * corrupt or hand-written line), or undefined when it can. Such events are skipped and counted
 * (docs/trace-format.md), never fatal: one odd line must not abort a replay of millions.
 */
export function outOfRange(e: TraceEvent): string | undefined {
  const count = (v: number, max: number) => Number.isSafeInteger(v) && v >= 0 && v <= max;
  if (!count(e.cpu, MAX_CPUS - 1)) return `cpu out of range (cpu ${e.cpu})`;
  switch (e.kind) {
    case 'page_alloc':
    case 'page_free':
    case 'pcpu_drain':
    case 'zone_locked':
      if (!count(e.pfn, Number.MAX_SAFE_INTEGER)) return `${e.kind} pfn out of range`;
      if (!count(e.order, MODEL_MAX_ORDER)) return `${e.kind} order above the model's max order ${MODEL_MAX_ORDER}`;
      if (e.kind !== 'page_free' && !count(e.migratetype, 255)) return `${e.kind} migratetype out of range`;
      return undefined;
    case 'page_free_batched':
      return count(e.pfn, Number.MAX_SAFE_INTEGER) ? undefined : `${e.kind} pfn out of range`;
    case 'vmap_alloc':
      if (e.failed) return undefined;
      if (!count(e.size, 2 ** 52) || e.size === 0) return 'vmap_alloc size out of range (0 or above 2^52)';
      if (!Number.isSafeInteger(e.start) || e.start + e.size > 2 ** 53) return 'vmap_alloc address out of range (above 2^53 from vstart)';
      if (!count(e.align, 2 ** 52)) return 'vmap_alloc align out of range';
      return undefined;
    case 'vmap_free':
      return Number.isSafeInteger(e.start) ? undefined : 'vmap_free address out of range';
    case 'vmap_purge':
      return undefined;
  }
}

/**
 * Reads every event once; `onProgress` is called every 64Ki events with the count so far.
 * Events out of range (outOfRange) go to `skipped`, numbered by their place among the events.
 */
export async function loadTrace(events: AsyncIterable<TraceEvent>, onProgress?: (events: number) => void, skipped = new SkipLog()): Promise<CompactTrace> {
  const p = {
    op: new NumberList(1024), pfn: new NumberList(1024), order: new NumberList(1024), migratetype: new NumberList(1024), cpu: new NumberList(1024),
    time: new NumberList(1024), event: new NumberList(1024), kernelLocks: new NumberList(1024), kernelLockPages: new NumberList(1024),
  };
  // Per CPU: a zone_locked run waiting for the allocation it serves; the last page operation.
  const pendingLocks: number[] = [];
  const pendingPages: number[] = [];
  const lastOp: number[] = [];
  const drains = new NumberList(1024); // pairs: operation, pages (negative: continues a run)
  const m = { kind: new NumberList(1024), at: new NumberList(1024), pfn: new NumberList(1024), cpu: new NumberList(1024), order: new NumberList(1024), mt: new NumberList(1024), run: new NumberList(1024) };
  const move = (kind: number, e: { pfn: number; cpu: number; order: number; migratetype: number }, continues: boolean) => {
    m.kind.push(kind);
    m.at.push(p.op.length);
    m.pfn.push(e.pfn);
    m.cpu.push(e.cpu);
    m.order.push(e.order);
    m.mt.push(e.migratetype);
    m.run.push(continues ? 0 : 1);
  };
  const seen = new OffsetMap(1024); // pfns that had an event
  const warm = new Map<number, number>(); // (cpu, order, mt) -> blocks
  const firstSeen = (pfn: number, cpu: number, order: number, mt: number, cached: boolean) => {
    if (seen.get(pfn) !== undefined) return;
    seen.set(pfn, 1);
    if (!cached) return;
    const key = (cpu * 16 + order) * 4 + Math.min(mt, 3);
    warm.set(key, (warm.get(key) ?? 0) + 1);
  };
  const v = { op: new NumberList(1024), cpu: new NumberList(1024), start: new NumberList(1024), size: new NumberList(1024), align: new NumberList(1024) };
  const counts: CompactTrace['counts'] = { page_alloc: 0, page_free: 0, page_free_batched: 0, pcpu_drain: 0, zone_locked: 0, vmap_alloc: 0, vmap_free: 0, vmap_purge: 0 };
  const kernel = { zoneLockedPages: 0, zoneLockedEvents: 0, zoneLockedBatches: 0, drainedPages: 0, drainedEvents: 0, drainedBatches: 0 };
  const lastKind: TraceEvent['kind'][] = []; // per CPU, for the batches
  let maxPfn = 0;
  let cpus = 1;
  let maxEnd = 0;
  let failedVmapAllocs = 0;
  let vmapOutside = 0;
  let firstTime = Infinity;
  let lastTime = -Infinity;
  let n = 0;

  const page = (op: number, pfn: number, order: number, migratetype: number, cpu: number, time: number) => {
    lastOp[cpu] = p.op.length;
    p.time.push(time);
    p.event.push(n + 1);
    const refill = op === OP_ALLOC ? (pendingLocks[cpu] ?? 0) : 0;
    p.kernelLocks.push(refill);
    p.kernelLockPages.push(refill > 0 ? pendingPages[cpu]! : 0);
    if (refill > 0) pendingLocks[cpu] = pendingPages[cpu] = 0;
    p.op.push(op);
    p.pfn.push(pfn);
    p.order.push(order);
    p.migratetype.push(migratetype);
    p.cpu.push(cpu);
    if (pfn > maxPfn) maxPfn = pfn;
    if (cpu + 1 > cpus) cpus = cpu + 1;
  };
  const vmap = (op: number, cpu: number, start: number, size: number, align: number) => {
    v.op.push(op);
    v.cpu.push(cpu);
    v.start.push(start);
    v.size.push(size);
    v.align.push(align);
  };

  for await (const e of events) {
    const bad = outOfRange(e);
    if (bad !== undefined) {
      skipped.add(bad, n + 1, JSON.stringify(e));
      if ((++n & 0xffff) === 0) onProgress?.(n);
      continue;
    }
    counts[e.kind]++;
    const continues = lastKind[e.cpu] === e.kind;
    lastKind[e.cpu] = e.kind;
    if (e.time < firstTime) firstTime = e.time;
    if (e.time > lastTime) lastTime = e.time;
    switch (e.kind) {
      case 'page_alloc':
        firstSeen(e.pfn, e.cpu, e.order, e.migratetype, (e.order <= COSTLY_ORDER || e.order === PAGEBLOCK_ORDER) && e.migratetype < 3);
        page(OP_ALLOC, e.pfn, e.order, e.migratetype, e.cpu, e.time);
        break;
      case 'page_free':
        firstSeen(e.pfn, e.cpu, 0, 0, false);
        page(OP_FREE, e.pfn, e.order, 0, e.cpu, e.time);
        break;
      case 'page_free_batched':
        firstSeen(e.pfn, e.cpu, 0, 0, false);
        page(OP_FREE_BATCHED, e.pfn, 0, 0, e.cpu, e.time);
        break;
      case 'zone_locked':
        firstSeen(e.pfn, e.cpu, 0, 0, false);
        move(MOVE_REFILL, e, continues);
        kernel.zoneLockedEvents++;
        kernel.zoneLockedPages += 2 ** e.order;
        if (!continues) kernel.zoneLockedBatches++;
        if (!continues) pendingLocks[e.cpu] = (pendingLocks[e.cpu] ?? 0) + 1;
        pendingPages[e.cpu] = (pendingPages[e.cpu] ?? 0) + 2 ** e.order;
        break;
      case 'pcpu_drain': {
        firstSeen(e.pfn, e.cpu, e.order, e.migratetype, true);
        move(MOVE_DRAIN, e, continues);
        kernel.drainedEvents++;
        kernel.drainedPages += 2 ** e.order;
        if (!continues) kernel.drainedBatches++;
        const at = lastOp[e.cpu];
        if (at !== undefined) drains.pushPair(at, continues ? -(2 ** e.order) : 2 ** e.order);
        break;
      }
      case 'vmap_alloc':
        if (e.failed) failedVmapAllocs++;
        else if (e.start < 0) vmapOutside++;
        else {
          vmap(OP_ALLOC, e.cpu, e.start, e.size, e.align);
          maxEnd = Math.max(maxEnd, e.start + e.size);
        }
        break;
      case 'vmap_free':
        if (e.start < 0) vmapOutside++;
        else vmap(OP_FREE, e.cpu, e.start, 0, 0);
        break;
      case 'vmap_purge':
        vmap(OP_PURGE, e.cpu, 0, 0, 0);
        break;
    }
    if ((++n & 0xffff) === 0) onProgress?.(n);
  }
  const kernelLocks = p.kernelLocks.values();
  const kernelLockPages = p.kernelLockPages.values();
  const d = drains.values();
  for (let i = 0; i < d.length; i += 2) {
    const [at, pages] = [d[i]!, d[i + 1]!];
    if (pages > 0) kernelLocks[at]!++;
    kernelLockPages[at]! += Math.abs(pages);
  }
  return {
    pages: {
      count: p.op.length, op: p.op.values(), pfn: p.pfn.values(), order: p.order.values(), migratetype: p.migratetype.values(), cpu: p.cpu.values(),
      time: p.time.values(), event: p.event.values(), kernelLocks, kernelLockPages, maxPfn,
      warm: [...warm].map(([key, blocks]) => ({ cpu: Math.floor(key / 64), order: Math.floor(key / 4) % 16, mt: key % 4, blocks })), cpus,
      moves: { count: m.kind.length, kind: m.kind.values(), at: m.at.values(), pfn: m.pfn.values(), cpu: m.cpu.values(), order: m.order.values(), mt: m.mt.values(), run: m.run.values() },
    },
    vmap: { count: v.op.length, op: v.op.values(), cpu: v.cpu.values(), start: v.start.values(), size: v.size.values(), align: v.align.values(), maxEnd },
    kernel,
    counts,
    failedVmapAllocs,
    vmapOutside,
    firstTime: Number.isFinite(firstTime) ? firstTime : 0,
    lastTime: Number.isFinite(lastTime) ? lastTime : 0,
  };
}
