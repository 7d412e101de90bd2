import { MOVABLE } from './migratetype.ts';
import type { Zone } from './zone.ts';

/** Moves a caller's block: the allocator's onMigrate wrapper. */
export type MigrateHook = (fromPfn: number, toPfn: number, order: number) => void;

export interface CompactResult {
  /** Blocks migrated. */
  migrated: number;
  /**
   * Blocks of the requested order (pageblock order when none) the free lists can now supply
   * beyond what they could before (free_blocks_suitable after minus before).
   */
  freedBlocks: number;
}

/**
 * compact_zone: the kernel's two scanners.
 *
 *   pfn 0                                                                 pages
 *   | migrate scanner -->   movable blocks leave ...   ... <-- free scanner |
 *   |  [M][M][ ][M]  ...                                  [ ][f][f][ ][f]  |
 *
 * The migrate scanner walks up from pfn 0 over pageblocks holding movable pages and migrates
 * each movable block smaller than the target order; the free scanner walks down from the top,
 * isolating the free blocks (smaller than the target order, in MOVABLE pageblocks —
 * suitable_migration_target) of one pageblock at a time as migration targets. Sources are
 * always below targets, so free space gathers at the low end, where freed sources merge.
 * With an order, compaction stops as soon as a free block of that order exists; without one it
 * runs until the scanners meet (/proc/sys/vm/compact_memory). Isolated free blocks not used are
 * freed back at the end.
 *
 * Cost: O(pageblocks) counter reads plus O(pages of the pageblocks scanned) block steps.
 */
export function compactZone(zone: Zone, migrate: MigrateHook, order: number | undefined): CompactResult {
  const full = order === undefined;
  const target = order ?? zone.pageblockOrder;
  const before = zone.suitableBlocks(target);
  if (!full && before > 0) return { migrated: 0, freedBlocks: 0 };
  const shift = zone.pageblockOrder;
  const pool = new FreePool(zone);
  let freeLow = zone.pageblocks; // lowest pageblock the free scanner has isolated
  let migrated = 0;
  scan: for (let pfn = 0; pfn < zone.pages; ) {
    const pb = pfn >>> shift;
    if (pb >= freeLow) break;
    if (zone.pbMovable[pb] === 0) {
      pfn = (pb + 1) << shift;
      continue;
    }
    const head = zone.blockStart(pfn);
    const end = zone.blockEnd(head);
    if (head === pfn && zone.isMovableHead(head) && zone.orderOf(head) < target) {
      const o = zone.orderOf(head);
      let dst = pool.take(o);
      while (dst < 0) {
        if (freeLow - 1 <= pb) break scan; // the scanners meet
        pool.isolatePageblock(--freeLow, target);
        dst = pool.take(o);
      }
      zone.assignHeld(dst, o, MOVABLE);
      try {
        migrate(head, dst, o);
      } catch (error) {
        zone.put(dst); // the callback stopped us: what it saw stays done, the rest is undone
        pool.release();
        throw error;
      }
      zone.put(head);
      migrated++;
      if (!full && zone.freeBlocksAtLeast(target) > 0) break;
    }
    pfn = end;
  }
  pool.release();
  return { migrated, freedBlocks: zone.suitableBlocks(target) - before };
}

/**
 * compact_control's isolated free pages: held blocks per order, threaded through the zone's
 * link column (unused on held blocks) as one stack per order.
 */
class FreePool {
  private readonly zone: Zone;
  private readonly top: Int32Array;

  constructor(zone: Zone) {
    this.zone = zone;
    this.top = new Int32Array(zone.maxOrder + 1).fill(-1);
  }

  /** isolate_freepages_block on a suitable pageblock. */
  isolatePageblock(pb: number, below: number): void {
    const zone = this.zone;
    if (zone.pbType[pb] !== MOVABLE || zone.pbFree[pb] === 0) return;
    zone.lockAcquisitions++;
    const start = pb << zone.pageblockOrder;
    const end = start + zone.pageblockSize(pb);
    for (let head = zone.blockStart(start); head < end; ) {
      const next = zone.blockEnd(head);
      if (zone.isFreeHead(head)) {
        const order = zone.orderOf(head);
        if (order < below && order <= zone.pageblockOrder) {
          zone.holdFree(head);
          this.push(head, order);
        }
      }
      head = next;
    }
  }

  /** A held block of exactly `order` (splitting a larger one), or -1. */
  take(order: number): number {
    for (let k = order; k <= this.zone.maxOrder; k++) {
      const pfn = this.top[k]!;
      if (pfn < 0) continue;
      this.top[k] = this.zone.link[pfn]!;
      while (k > order) {
        k--;
        const half = pfn + (1 << k);
        this.zone.markHeld(half, k);
        this.push(half, k);
      }
      this.zone.markHeld(pfn, order);
      return pfn;
    }
    return -1;
  }

  /** release_free_list: everything left goes back to the buddy lists. */
  release(): void {
    for (let k = 0; k <= this.zone.maxOrder; k++) {
      for (let pfn = this.top[k]!; pfn >= 0; ) {
        const next = this.zone.link[pfn]!;
        this.zone.releaseRange(pfn, pfn + (1 << k));
        pfn = next;
      }
      this.top[k] = -1;
    }
  }

  private push(pfn: number, order: number): void {
    this.zone.link[pfn] = this.top[order]!;
    this.top[order] = pfn;
  }
}
