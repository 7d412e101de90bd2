/**
 * Migratetypes (enum migratetype of mm/page_alloc.c, the three types that have PCP lists) and
 * the kernel's fallback table. Inside src/page a type is its small integer index; the public API
 * speaks the names.
 */
export type Migratetype = 'unmovable' | 'movable' | 'reclaimable';

export const MIGRATETYPES: readonly Migratetype[] = ['unmovable', 'movable', 'reclaimable'];

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

/** Whether pages of migratetype `mt` taint their gigablock (unmovable or reclaimable; not HELD). */
export function isFixedType(mt: number): boolean {
  return mt === UNMOVABLE || mt === RECLAIMABLE;
}

/**
 * fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1], flattened: the types `t` falls back to are
 * FALLBACKS[2t] then FALLBACKS[2t + 1].
 */
export const FALLBACKS = Int8Array.of(
  RECLAIMABLE, MOVABLE, // unmovable
  RECLAIMABLE, UNMOVABLE, // movable
  UNMOVABLE, MOVABLE, // reclaimable
);

/** Index of a migratetype name, or -1. */
export function migratetypeIndex(name: unknown): number {
  return name === 'unmovable' ? UNMOVABLE : name === 'movable' ? MOVABLE : name === 'reclaimable' ? RECLAIMABLE : -1;
}
