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
export declare function compactZone(zone: Zone, migrate: MigrateHook, order: number | undefined): CompactResult;
