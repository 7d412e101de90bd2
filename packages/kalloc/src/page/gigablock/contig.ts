import type { MigrateHook } from '../compaction.ts';
import { allocContigRange, type ContigRequest, type ContigResult } from '../contig.ts';
import { FULLNESS_CLASSES, type GigablockIndex } from './index.ts';
import type { GigablockPolicy } from './policy.ts';
import type { Zone } from '../zone.ts';

/**
 * Contiguous allocation with gigablocks (the RFC's v2 17/40, through the index): a request for
 * exactly one gigablock (nrPages = align = 2^gigablockOrder, offset 0) tries the clean whole
 * gigablocks inside [start, end) first, emptiest first — a wholly free one needs no migration,
 * the next fewest — each as the single window of allocContigRange (judged by its pageblock
 * counters, its movable blocks migrated out, taken whole). Only when none can be cleared does it
 * search the whole window range as without gigablocks, so it fails exactly when that would.
 * Every other request goes straight to allocContigRange.
 */
export function allocContigGigablocks(zone: Zone, index: GigablockIndex, policy: GigablockPolicy, migrate: MigrateHook | undefined, req: ContigRequest): ContigResult {
  const size = 2 ** index.shift;
  if (req.nrPages !== size || req.align !== size || req.offset !== 0) return allocContigRange(zone, migrate, req);
  let windows = 0;
  let roomless = 0;
  for (let c = FULLNESS_CLASSES - 1; c >= 0; c--) {
    for (let gb = policy.cleanWhole(c, 0); gb >= 0; gb = policy.cleanWhole(c, gb + 1)) {
      const start = gb * size;
      if (start < req.start || start + size > req.end) continue;
      const r = allocContigRange(zone, migrate, { ...req, start, end: start + size });
      windows += r.windows;
      if (r.pfn >= 0) return { ...r, windows };
      roomless += r.roomless;
    }
  }
  const r = allocContigRange(zone, migrate, req);
  return { ...r, windows: windows + r.windows, roomless: roomless + r.roomless };
}
