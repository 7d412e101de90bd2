/**
 * The allocator events kalloc reads from traces (DESIGN.md): one per recognised ftrace line or
 * kalloc JSONL line. `time` is in seconds; pfns are page frame numbers; vmap addresses are bytes
 * relative to the vmalloc area's start (vstart) so they fit in a number.
 */
export type TraceEvent = {
    kind: 'page_alloc';
    time: number;
    cpu: number;
    pid: number;
    pfn: number;
    order: number;
    migratetype: number;
} | {
    kind: 'page_free';
    time: number;
    cpu: number;
    pid: number;
    pfn: number;
    order: number;
} | {
    kind: 'page_free_batched';
    time: number;
    cpu: number;
    pid: number;
    pfn: number;
} | {
    kind: 'pcpu_drain';
    time: number;
    cpu: number;
    pid: number;
    pfn: number;
    order: number;
    migratetype: number;
} | {
    kind: 'zone_locked';
    time: number;
    cpu: number;
    pid: number;
    pfn: number;
    order: number;
    migratetype: number;
} | {
    kind: 'vmap_alloc';
    time: number;
    cpu: number;
    pid: number;
    start: number;
    size: number;
    align: number;
    failed: boolean;
} | {
    kind: 'vmap_free';
    time: number;
    cpu: number;
    pid: number;
    start: number;
};
export type TraceEventKind = TraceEvent['kind'];
/** The numeric fields each kind carries after time/cpu/pid (and `failed` for vmap_alloc). */
export declare const EVENT_FIELDS: Record<TraceEventKind, readonly string[]>;
/** Kernel migratetype numbers (enum migratetype) to the names PageAllocator takes. */
export declare const MIGRATETYPE_NAMES: readonly ["unmovable", "movable", "reclaimable"];
