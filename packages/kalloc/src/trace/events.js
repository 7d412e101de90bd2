/** The numeric fields each kind carries after time/cpu/pid (and `failed` for vmap_alloc). */
export const EVENT_FIELDS = {
    page_alloc: ['pfn', 'order', 'migratetype'],
    page_free: ['pfn', 'order'],
    page_free_batched: ['pfn'],
    pcpu_drain: ['pfn', 'order', 'migratetype'],
    zone_locked: ['pfn', 'order', 'migratetype'],
    vmap_alloc: ['start', 'size', 'align'],
    vmap_free: ['start'],
};
/** Kernel migratetype numbers (enum migratetype) to the names PageAllocator takes. */
export const MIGRATETYPE_NAMES = ['unmovable', 'movable', 'reclaimable'];
//# sourceMappingURL=events.js.map