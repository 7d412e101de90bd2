/**
 * The allocator events kalloc reads from traces (DESIGN.md): one per recognised ftrace line or
 * kalloc JSONL line. `time` is in seconds; pfns are page frame numbers; vmap addresses are bytes
 * relative to the vmalloc area's start (vstart) so they fit in a number.
 */
export type TraceEvent =
  | { kind: 'page_alloc'; time: number; cpu: number; pid: number; pfn: number; order: number; migratetype: number }
  | { kind: 'page_free'; time: number; cpu: number; pid: number; pfn: number; order: number }
  | { kind: 'page_free_batched'; time: number; cpu: number; pid: number; pfn: number }
  | { kind: 'pcpu_drain'; time: number; cpu: number; pid: number; pfn: number; order: number; migratetype: number }
  | { kind: 'zone_locked'; time: number; cpu: number; pid: number; pfn: number; order: number; migratetype: number }
  | { kind: 'vmap_alloc'; time: number; cpu: number; pid: number; start: number; size: number; align: number; failed: boolean }
  | { kind: 'vmap_free'; time: number; cpu: number; pid: number; start: number }
  | { kind: 'vmap_purge'; time: number; cpu: number; pid: number; npurged: number };

export type TraceEventKind = TraceEvent['kind'];

/** The numeric fields each kind carries after time/cpu/pid (and `failed` for vmap_alloc). */
export const EVENT_FIELDS: Record<TraceEventKind, readonly string[]> = {
  page_alloc: ['pfn', 'order', 'migratetype'],
  page_free: ['pfn', 'order'],
  page_free_batched: ['pfn'],
  pcpu_drain: ['pfn', 'order', 'migratetype'],
  zone_locked: ['pfn', 'order', 'migratetype'],
  vmap_alloc: ['start', 'size', 'align'],
  vmap_free: ['start'],
  vmap_purge: ['npurged'],
};

/** Kernel migratetype numbers (enum migratetype) to the names PageAllocator takes. */
export const MIGRATETYPE_NAMES = ['unmovable', 'movable', 'reclaimable'] as const;
