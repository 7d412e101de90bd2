import type { TraceEvent } from './events.ts';
import { type TextInput } from './lines.ts';
import { SkipLog } from './skips.ts';
/**
 * Reads the text of a Linux ftrace buffer (/sys/kernel/tracing/trace, `trace-cmd report`) line by
 * line and yields the allocator events it knows. Every line has the header
 *
 *     <task>-<pid> [(<tgid>)] [<cpu>] [<flags>] <seconds>: <event>: <fields>
 *
 * and the fields follow the kernel's TP_printk formats (include/trace/events/kmem.h, vmalloc.h):
 *
 *     mm_page_alloc:             page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s
 *     mm_page_free:              page=%p pfn=0x%lx order=%d
 *     mm_page_free_batched:      page=%p pfn=0x%lx order=0
 *     mm_page_pcpu_drain:        page=%p pfn=0x%lx order=%d migratetype=%d
 *     mm_page_alloc_zone_locked: page=%p pfn=0x%lx order=%u migratetype=%d percpu_refill=%d
 *     alloc_vmap_area:           va_start: %lu size=%lu align=%lu vstart=0x%lx vend=0x%lx failed=%d
 *     free_vmap_area_noflush:    va_start=0x%lx nr_lazy=%lu nr_lazy_max=%lu
 *
 * Older kernels print `pfn=%lu` (decimal); both are read. A failed mm_page_alloc prints pfn 0.
 * Comment lines (#) are ignored; anything else that is not one of these events is counted in
 * `options.skipped` by kind, never fatal.
 */
export interface ReadOptions {
    /** Receives the lines that were not used, by kind. */
    skipped?: SkipLog;
}
/** Parses one ftrace text file or stream into allocator events, lazily. */
export declare function readFtrace(input: TextInput, options?: ReadOptions): AsyncGenerator<TraceEvent>;
