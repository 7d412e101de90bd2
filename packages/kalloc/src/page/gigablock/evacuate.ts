import type { MigrateHook } from '../compaction.ts';
import type { GigablockIndex } from './index.ts';
import { MOVABLE } from '../migratetype.ts';
import type { Zone } from '../zone.ts';

/**
 * Evacuation for unmovable and reclaimable allocations (the RFC's v2 17/40: "unmovable/reclaimable
 * allocations evacuate movable pages from tainted SPBs"): when no tainted gigablock has a free
 * block for the request, make one there by migrating movable blocks out, rather than taint a clean
 * gigablock.
 *
 * The pageblock evacuated is, among the full pageblocks of tainted gigablocks holding movable
 * pages, the one with the most free + movable pages (at least 2^order, ties to the lowest): it
 * gives the largest free space for the fewest fixed pages in the way. Its free blocks are held
 * first so no migrated block lands back in it; each movable block then moves through
 * zone.take(order, MOVABLE) — which places it in a clean gigablock as any movable request — and
 * what was held is freed, merging with the space the movers left.
 *
 * It never leaves the zone without a free block of `order` or larger when it had one: the request
 * then fails only when it would have failed without evacuating.
 *
 * Returns true when at least one block moved. Cost: one counter read per pageblock of each
 * tainted gigablock, plus the evacuated pageblock's blocks.
 */
export function evacuateTainted(zone: Zone, index: GigablockIndex, migrate: MigrateHook, order: number): boolean {
  const pb = pageblockToEvacuate(zone, index, order);
  if (pb < 0) return false;
  const start = pb << zone.pageblockOrder;
  const end = start + zone.pageblockPages;
  const held: number[] = []; // heads of blocks held, freed at the end
  const movers: number[] = [];
  for (let head = zone.blockStart(start); head < end; ) {
    const next = zone.blockEnd(head);
    if (zone.isFreeHead(head)) {
      zone.holdFree(head);
      held.push(head);
    } else if (zone.isMovableHead(head)) {
      movers.push(head);
    }
    head = next;
  }
  let moved = 0;
  // The request must not lose the free block that could serve it anyway (in a clean gigablock):
  // a mover smaller than the request that uses up the last free block of its order or larger
  // (split to land it) goes back, and the evacuation stops. A larger mover may take one: its
  // source, freed at the end, is such a block again.
  const servable = zone.freeBlocksAtLeast(order) > 0;
  for (const src of movers) {
    const o = zone.orderOf(src);
    const dst = zone.take(o, MOVABLE);
    if (dst < 0) break; // nowhere to go: the rest stay
    if (servable && o < order && zone.freeBlocksAtLeast(order) === 0) {
      zone.put(dst);
      break;
    }
    try {
      migrate(src, dst, o);
    } catch (error) {
      zone.put(dst); // the callback stopped us: what it saw stays done, the rest is undone
      for (const head of held) zone.releaseRange(head, zone.blockEnd(head));
      throw error;
    }
    zone.holdAllocated(src);
    held.push(src);
    moved++;
  }
  for (const head of held) zone.releaseRange(head, zone.blockEnd(head));
  return moved > 0;
}

/** The pageblock evacuateTainted empties, or -1 when no tainted gigablock has one worth it. */
function pageblockToEvacuate(zone: Zone, index: GigablockIndex, order: number): number {
  const perGigablock = 2 ** (index.shift - zone.pageblockOrder);
  const need = 2 ** order;
  let best = -1;
  let bestRoom = 0;
  for (let gb = index.tainted.findFirst(); gb >= 0; gb = index.tainted.findFirst(gb + 1)) {
    const last = Math.min(zone.pageblocks, (gb + 1) * perGigablock);
    for (let pb = gb * perGigablock; pb < last; pb++) {
      const movable = zone.pbMovable[pb]!;
      if (movable === 0 || zone.pageblockSize(pb) !== zone.pageblockPages) continue;
      const room = zone.pbFree[pb]! + movable;
      if (room >= need && room > bestRoom) {
        best = pb;
        bestRoom = room;
      }
    }
  }
  return best;
}
