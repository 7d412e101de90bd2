import { invariant } from '../core/errors.ts';
import type { MigrateHook } from './compaction.ts';
import { MOVABLE } from './migratetype.ts';
import type { Zone } from './zone.ts';

export interface ContigRequest {
  nrPages: number;
  align: number;
  offset: number;
  start: number;
  end: number;
}

export interface ContigResult {
  /** First pfn of the range, or -1. */
  pfn: number;
  /** Blocks migrated out of the window. */
  migrated: number;
  /** Candidate windows judged. */
  windows: number;
  /**
   * Windows free of obstacles whose movable blocks found no room outside them: the room is
   * there only as smaller pieces (or not at all). Compaction may make it (PageAllocator).
   */
  roomless: number;
}

/**
 * Contiguous allocation of any size (alloc_memarea's "unlimited size" with its planned
 * alignment and offset, done the alloc_contig_range way: isolate, migrate, take).
 *
 * Windows are [w, w + n) with w % align === offset inside [start, end), tried lowest first.
 * A window is usable when
 *   (a) nothing in it is unmovable, reclaimable, pinned (movable without onMigrate) or already
 *       a contiguous range, and
 *   (b) the movable blocks that intersect it fit, largest first, into the free blocks outside
 *       it (the buddy allocator serving them finds a block whenever one is free, and for
 *       power-of-two sizes taken largest first any placement is as good as any other).
 * The first usable window is taken; allocation fails only when no window is usable.
 *
 * Cost: (a) uses the per-pageblock counters, so a pageblock wholly inside a window is judged in
 * O(1); only pageblocks cut by a window's ends, or holding an obstacle, are walked block by block
 * (at most 2^pageblockOrder steps each). The range already known clean is remembered between
 * windows, so (a) over the whole search costs O(P / 2^pageblockOrder + obstacles x
 * 2^pageblockOrder) for a zone of P pages, growing linearly with zone size in pageblocks, not
 * pages. (b) walks the blocks of a window that passed (a): O(n / mean block size) per such
 * window; windows failing (b) (memory too full to move their contents) repeat it.
 */
export function allocContigRange(zone: Zone, migrate: MigrateHook | undefined, req: ContigRequest): ContigResult {
  const { nrPages: n, align, offset, start, end } = req;
  const pinned = migrate === undefined;
  const plan = new WindowPlan(zone);
  let windows = 0;
  let roomless = 0;
  let cleanLo = 0; // [cleanLo, cleanHi) is known to hold no obstacle
  let cleanHi = 0;
  for (let w = firstCandidate(start, align, offset); w + n <= end; ) {
    windows++;
    const from = cleanLo <= w && w < cleanHi ? cleanHi : w;
    const bad = lastObstacle(zone, from, w + n, pinned);
    if (bad >= 0) {
      cleanLo = bad + 1;
      cleanHi = w + n;
      w = firstCandidate(bad + 1, align, offset);
      continue;
    }
    if (from === w) cleanLo = w;
    cleanHi = w + n;
    if (plan.fits(w, w + n)) {
      const migrated = plan.execute(w, w + n, migrate);
      return { pfn: w, migrated, windows, roomless };
    }
    roomless++;
    w += align;
  }
  return { pfn: -1, migrated: 0, windows, roomless };
}

/** The smallest w >= from with w % align === offset. */
export function firstCandidate(from: number, align: number, offset: number): number {
  const w = from - (from % align) + offset;
  return w >= from ? w : w + align;
}

/** The last obstacle page in [from, to), judging whole pageblocks by their counters. */
export function lastObstacle(zone: Zone, from: number, to: number, pinned: boolean): number {
  if (from >= to) return -1;
  const shift = zone.pageblockOrder;
  for (let pb = (to - 1) >>> shift; pb >= from >>> shift; pb--) {
    const pbStart = pb << shift;
    const lo = Math.max(from, pbStart);
    const hi = Math.min(to, pbStart + zone.pageblockSize(pb));
    if (zone.pageblockObstacles(pb, pinned) === 0) continue;
    const bad = zone.lastObstacle(lo, hi, pinned);
    if (bad >= 0) return bad;
  }
  return -1;
}

/** What taking a window involves: its movable blocks, and whether they fit elsewhere. */
class WindowPlan {
  private readonly zone: Zone;
  /** The window's movable blocks by order; migrated largest first, ascending pfn within. */
  private readonly sources: number[][];
  /** Free blocks per order outside the window once its free pages are held. */
  private readonly room: Float64Array;

  constructor(zone: Zone) {
    this.zone = zone;
    this.room = new Float64Array(zone.maxOrder + 1);
    this.sources = Array.from({ length: zone.maxOrder + 1 }, () => []);
  }

  /** Condition (b): gathers the window's movable blocks and fits them into the room outside. */
  fits(from: number, to: number): boolean {
    const zone = this.zone;
    const room = this.room;
    const sources = this.sources;
    for (const list of sources) list.length = 0;
    zone.buddyinfo().forEach((count, order) => (room[order] = count));
    for (let head = zone.blockStart(from); head < to; ) {
      const end = zone.blockEnd(head);
      if (zone.isFreeHead(head)) {
        room[zone.orderOf(head)]!--;
        if (head < from) zone.forEachPiece(head, from, (_, o) => room[o]!++);
        if (end > to) zone.forEachPiece(to, end, (_, o) => room[o]!++);
      } else if (zone.isMovableHead(head)) {
        sources[zone.orderOf(head)]!.push(head);
      }
      head = end;
    }
    for (let order = zone.maxOrder; order >= 0; order--) {
      for (let i = sources[order]!.length; i > 0; i--) {
        let k = order;
        while (k <= zone.maxOrder && room[k] === 0) k++;
        if (k > zone.maxOrder) return false;
        room[k]!--;
        for (let j = order; j < k; j++) room[j]!++;
      }
    }
    return true;
  }

  /**
   * Takes the window planned by fits(): holds its free pages, migrates its movable blocks out
   * (their pages outside the window are held until every block has moved, as fits() assumed),
   * then frees those outside pages and turns the window into one contiguous allocation.
   */
  execute(from: number, to: number, migrate: MigrateHook | undefined): number {
    const zone = this.zone;
    zone.holdFreeRange(from, to);
    let lo = from;
    let hi = to;
    let migrated = 0;
    for (let order = zone.maxOrder; order >= 0; order--) {
      for (const src of this.sources[order]!) {
        const dst = zone.take(order, MOVABLE);
        invariant(dst >= 0, `no room for block ${src} of order ${order} that fits() placed`);
        try {
          migrate!(src, dst, order);
        } catch (error) {
          // The callback stopped us: the migrations it saw stay done, nothing else changes.
          // [lo, hi) holds only blocks that meet the window (every source does), so releaseHeld
          // frees just its held free pages and the sources moved: a per-CPU cached block there
          // would have been an obstacle, and the window never taken.
          zone.put(dst);
          zone.releaseHeld(Math.min(lo, zone.blockStart(from)), Math.max(hi, to));
          throw error;
        }
        zone.holdAllocated(src);
        lo = Math.min(lo, src);
        hi = Math.max(hi, src + (1 << order));
        migrated++;
      }
    }
    zone.releaseRange(lo, from);
    zone.releaseRange(to, hi);
    zone.commitContig(from, to - from);
    return migrated;
  }
}
