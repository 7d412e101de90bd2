// Entry `kalloc`: everything a user imports. Browser-safe: nothing reachable from here imports a
// `node:` module (Node-only helpers live in `kalloc/node`, WebGPU in `kalloc/webgpu`).
export { KallocError, type KallocErrorCode } from './core/errors.ts';
export { Prng } from './core/prng.ts';
export { fragmentationIndex, unusableIndex } from './page/fragmentation.ts';
export { parseBuddyinfo, type BuddyinfoZone } from './trace/buddyinfo.ts';
export { parsePagetypeinfo, totalFreeBlocks, type Pagetypeinfo, type PagetypeinfoZone } from './trace/pagetypeinfo.ts';
export { parseZoneinfo, type ZoneinfoZone, type ZoneinfoPageset } from './trace/zoneinfo.ts';
export { parseVmallocinfo, readVmallocinfo, type VmallocArea, type VmallocInfo } from './trace/vmallocinfo.ts';
export { readFtrace } from './trace/ftrace.ts';
export { readKallocTrace, kallocTraceLines, type KallocTraceHeader } from './trace/kalloc-trace.ts';
export type { TraceEvent } from './trace/events.ts';
export { SkipLog, type SkippedKind } from './trace/skips.ts';
export { RangeAllocator } from './range/range-allocator.ts';
export { LinearRangeAllocator } from './range/linear-range-allocator.ts';
export type { RangeAllocatorApi, RangeAllocatorOptions, RangeAllocOptions, FreeArea, RangeStats } from './range/range-api.ts';
export { PageAllocator } from './page/page-allocator.ts';
export { MIGRATETYPES } from './page/migratetype.ts';
export type { Migratetype, PcpDesign, PcpStats, PageAllocatorOptions, PageAllocOptions, ContigOptions, ContigDesign, GigablockSearch, ContigTargeting, PageAllocatorStats, CompactResult } from './page/page-allocator.ts';
export { BuddyAllocator } from './buddy/buddy-allocator.ts';
export { LegacyBuddyAllocator } from './buddy/legacy-buddy-allocator.ts';
export type { BuddyBlock, BuddyAllocatorOptions, BuddyAllocOptions, BuddyFreeOptions, BuddyStats, BuddyOrderStats } from './buddy/api.ts';
export { SharedHeap, MAX_HEAP_SIZE } from './heap/shared-heap.ts';
export type { SharedHeapOptions, HeapAttachOptions, HeapAllocOptions, SharedHeapBuffers, SharedHeapStats, HeapMode } from './heap/shared-heap.ts';
export { findDesign, type Design, type DesignRole } from './core/design.ts';
export { RANGE_DESIGNS, type RangeDesign } from './range/designs.ts';
export { BUDDY_DESIGNS, type BuddyDesign, type AnyBuddyAllocator } from './buddy/designs.ts';
export { PAGE_DESIGNS, pageDesigns, type PageDesign, type PageAspect } from './page/designs.ts';
export { HEAP_DESIGNS, type HeapDesign } from './heap/designs.ts';
