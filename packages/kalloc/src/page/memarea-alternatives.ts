import { ilog2 } from '../core/bits.ts';
import type { MigrateHook } from './compaction.ts';
import { firstCandidate, lastObstacle, type ContigRequest } from './contig.ts';
import { MOVABLE, NR_TYPES } from './migratetype.ts';
import type { Zone } from './zone.ts';

/**
 * Three alternatives the alloc_memarea thread (Ingo Molnar, November 2001) raised, for the lab's
 * review-memarea scenario. Each returns the first pfn (-1 when it finds nothing) and what its
 * search looked at, and takes the range as one contiguous allocation (held pages committed).
 *
 *   scanPages       Ingo's D6 patch: walk the zone page by page for `nrPages` free pages, no
 *                   migration ("the worst-case scenario is that it has to iterate over all pages").
 *   walkFreeLists   Eric Biederman's "Can't you assume that buddies are coalesced?": the same
 *                   answer, found from the free lists. A free window of n pages holds an aligned
 *                   block of 2^k pages, k = min(maxOrder, floor(log2 n) - 1), and since free
 *                   buddies are always merged, that block lies inside one free block of order
 *                   >= k; so only free blocks of order >= k are visited, each extended through
 *                   its free neighbours to the run it belongs to.
 *   tempZone        Eric Biederman's "generating a zone on the fly for the area you want to free
 *                   up": the first window free of unmovable pages is isolated (its free pages held,
 *                   as a zone of its own nobody allocates from) and its movable blocks migrated
 *                   out through the normal allocator, one by one, with no plan of whether they fit;
 *                   when one finds no room the window is given back (the moves already done stay)
 *                   and the next window is tried.
 */
export interface MemareaSearch {
  pfn: number;
  /** Pages (scan) or free blocks (free-list walk) or windows (temporary zone) looked at. */
  examined: number;
  /** Blocks migrated (the temporary zone only), successful or wasted. */
  migrated: number;
}

/** Takes [pfn, pfn + n), all free, as one contiguous allocation. */
function takeFree(zone: Zone, pfn: number, n: number): void {
  zone.holdFreeRange(pfn, pfn + n);
  zone.commitContig(pfn, n);
}

export function scanPages(zone: Zone, req: ContigRequest): MemareaSearch {
  const { nrPages: n, align, offset, start, end } = req;
  let examined = 0;
  let runStart = start; // the first page of the current run of free pages
  for (let p = start; p < end; p++) {
    examined++;
    if (!zone.isFreeHead(zone.blockStart(p))) {
      runStart = p + 1;
      continue;
    }
    const w = firstCandidate(runStart, align, offset);
    if (w + n === p + 1) {
      takeFree(zone, w, n);
      return { pfn: w, examined, migrated: 0 };
    }
  }
  return { pfn: -1, examined, migrated: 0 };
}

export function walkFreeLists(zone: Zone, req: ContigRequest): MemareaSearch {
  const { nrPages: n, align, offset, start, end } = req;
  const k = Math.min(zone.maxOrder, Math.max(0, ilog2(n) - 1));
  const lists = zone.heads.length / zone.listsPerGigablock;
  let examined = 0;
  for (let gb = 0; gb < lists; gb++) {
    for (let order = zone.maxOrder; order >= k; order--) {
      for (let mt = 0; mt < NR_TYPES; mt++) {
        for (let b = zone.heads[gb * zone.listsPerGigablock + order * NR_TYPES + mt]!; b >= 0; b = zone.link[b]!) {
          examined++;
          // The run of free blocks around b, clipped to [start, end).
          let lo = b;
          while (lo > start && zone.isFreeHead(zone.blockStart(lo - 1))) {
            lo = zone.blockStart(lo - 1);
            examined++;
          }
          let hi = zone.blockEnd(b);
          while (hi < end && zone.isFreeHead(hi)) {
            hi = zone.blockEnd(hi);
            examined++;
          }
          const w = firstCandidate(Math.max(lo, start), align, offset);
          if (w + n <= Math.min(hi, end)) {
            takeFree(zone, w, n);
            return { pfn: w, examined, migrated: 0 };
          }
        }
      }
    }
  }
  return { pfn: -1, examined, migrated: 0 };
}

export function tempZone(zone: Zone, migrate: MigrateHook | undefined, req: ContigRequest): MemareaSearch {
  const { nrPages: n, align, offset, start, end } = req;
  const pinned = migrate === undefined;
  let examined = 0;
  let migrated = 0;
  const sources: number[] = [];
  for (let w = firstCandidate(start, align, offset); w + n <= end; ) {
    examined++;
    const bad = lastObstacle(zone, w, w + n, pinned);
    if (bad >= 0) {
      w = firstCandidate(bad + 1, align, offset);
      continue;
    }
    // Isolate: the window's free pages are held, so the allocator cannot hand them out.
    sources.length = 0;
    for (let head = zone.blockStart(w); head < w + n; head = zone.blockEnd(head)) if (zone.isMovableHead(head)) sources.push(head);
    zone.holdFreeRange(w, w + n);
    let lo = w;
    let hi = w + n;
    let moved = 0;
    for (; moved < sources.length; moved++) {
      const src = sources[moved]!;
      const order = zone.orderOf(src);
      const dst = zone.take(order, MOVABLE);
      if (dst < 0) break;
      try {
        migrate!(src, dst, order);
      } catch (error) {
        // The callback stopped us: the migrations it saw stay done, nothing else changes.
        zone.put(dst);
        zone.releaseHeld(Math.min(lo, zone.blockStart(w)), Math.max(hi, w + n));
        throw error;
      }
      zone.holdAllocated(src);
      lo = Math.min(lo, src);
      hi = Math.max(hi, src + (1 << order));
      migrated++;
    }
    if (moved === sources.length) {
      zone.releaseRange(lo, w);
      zone.releaseRange(w + n, hi);
      zone.commitContig(w, n);
      return { pfn: w, examined, migrated };
    }
    // No room for the rest: the window goes back, with the blocks moved out of it so far freed.
    zone.releaseHeld(Math.min(lo, zone.blockStart(w)), Math.max(hi, w + n));
    w += align;
  }
  return { pfn: -1, examined, migrated };
}
