export const MIGRATETYPES = ['unmovable', 'movable', 'reclaimable'];
export const UNMOVABLE = 0;
export const MOVABLE = 1;
export const RECLAIMABLE = 2;
/** Number of real migratetypes (MIGRATE_PCPTYPES). */
export const NR_TYPES = 3;
/**
 * Not a migratetype of a caller's allocation: an allocated block held by the allocator itself
 * (compaction's isolated free pages, a contiguous range being assembled, later PCP caches).
 */
export const HELD = 3;
/**
 * fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1], flattened: the types `t` falls back to are
 * FALLBACKS[2t] then FALLBACKS[2t + 1].
 */
export const FALLBACKS = Int8Array.of(RECLAIMABLE, MOVABLE, // unmovable
RECLAIMABLE, UNMOVABLE, // movable
UNMOVABLE, MOVABLE);
/** Index of a migratetype name, or -1. */
export function migratetypeIndex(name) {
    return name === 'unmovable' ? UNMOVABLE : name === 'movable' ? MOVABLE : name === 'reclaimable' ? RECLAIMABLE : -1;
}
//# sourceMappingURL=migratetype.js.map