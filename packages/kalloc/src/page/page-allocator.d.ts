import { type CompactResult } from './compaction.ts';
import type { FreeRangeView } from './contig-2019.ts';
import { type Migratetype } from './migratetype.ts';
import { type PcpDesign, type PcpStats } from './pcp/percpu.ts';
export type { Migratetype } from './migratetype.ts';
export type { PcpDesign, PcpStats } from './pcp/percpu.ts';
export type { CompactResult } from './compaction.ts';
export interface PageAllocatorOptions {
    /** Page frames in the zone (any count; the tail forms smaller blocks). */
    pages: number;
    /** Largest buddy order (MAX_PAGE_ORDER), default 10. */
    maxOrder?: number;
    /** Pages per pageblock = 2^pageblockOrder, default 9 (capped by maxOrder). */
    pageblockOrder?: number;
    /** Pages per gigablock = 2^gigablockOrder, default 18 (1 GiB of 4 KiB pages). */
    gigablockOrder?: number;
    /** Simulated CPUs, default 1. */
    cpus?: number;
    /** Per-CPU layer design, default 'none'. */
    pcp?: PcpDesign;
    /** Pages per refill or drain of a per-CPU cache; default zone_batchsize() (63 for >= 1 GiB). */
    pcpBatch?: number;
    /** Pages a CPU may cache before a free drains a batch; default about the kernel's high_min. */
    pcpHigh?: number;
    /** Gigablock (1 GiB superpageblock) steering, default false. */
    gigablocks?: boolean;
    /** Called when a movable block moves; without it movable blocks are pinned. */
    onMigrate?: (fromPfn: number, toPfn: number, order: number) => void;
}
export interface PageAllocOptions {
    /** Default 'unmovable' (GFP_KERNEL): never moved unless asked for. */
    migratetype?: Migratetype;
    cpu?: number;
}
export interface ContigOptions {
    /** Power of two; default the largest power of two <= nrPages. */
    align?: number;
    /** Result % align === offset; default 0, < align. */
    offset?: number;
    /** Window [start, end) the range must lie in; default the whole zone. */
    start?: number;
    end?: number;
    cpu?: number;
}
export interface PageAllocatorStats {
    pages: number;
    maxOrder: number;
    pageblockOrder: number;
    freePages: number;
    metadataBytesPerPage: number;
    buddyinfo: number[];
    pageblocks: Record<Migratetype, number>;
    zoneLock: {
        acquisitions: number;
        pagesMoved: number;
    };
    pcp: PcpStats;
    /** Blocks moved by compaction and contiguous allocation, and their pages. */
    migrations: number;
    migratedPages: number;
    compaction: {
        runs: number;
        migrated: number;
    };
    contig: {
        allocated: number;
        failed: number;
        pages: number;
        windowsJudged: number;
    };
    /** With gigablocks: how many, how many tainted (an unmovable or reclaimable pageblock), how
     *  many clean and wholly free, and the bytes of their lists and index. */
    gigablocks: {
        enabled: boolean;
        order: number;
        count: number;
        tainted: number;
        cleanFree: number;
        metadataBytes: number;
    };
}
/**
 * PageAllocator: the physical page allocator of one zone. A thin façade: it validates every
 * argument, routes alloc/free through the per-CPU layer, and owns compaction and contiguous
 * allocation. The buddy free area lives in Zone (zone.ts). See docs/page-allocator.md.
 */
export declare class PageAllocator {
    readonly pages: number;
    readonly maxOrder: number;
    readonly pageblockOrder: number;
    readonly gigablockOrder: number;
    readonly cpus: number;
    readonly pcp: PcpDesign;
    readonly gigablocks: boolean;
    private readonly zone;
    private readonly percpu;
    private readonly migrate;
    private migrations;
    private migratedPages;
    private compactions;
    private compactMigrated;
    private contigAllocated;
    private contigFailed;
    private contigPages;
    private windowsJudged;
    constructor(options: PageAllocatorOptions);
    /** A block of 2^order pages; its first pfn, or undefined when no block is free. */
    alloc(order: number, opts?: PageAllocOptions): number | undefined;
    /** Frees a block returned by alloc(), given its first pfn. */
    free(pfn: number, opts?: {
        cpu?: number;
    }): void;
    /**
     * nrPages contiguous pages, any count up to the whole zone, at pfn % align === offset inside
     * [start, end). Movable blocks in the way are migrated (onMigrate). Undefined only when no
     * such window can be cleared (see contig.ts).
     */
    allocContig(nrPages: number, opts?: ContigOptions): number | undefined;
    /** The window search of allocContig: through the gigablock index when there is one. */
    private searchContig;
    /** Frees exactly a range returned by allocContig (or the 2019 baseline). */
    freeContig(pfn: number, nrPages: number): void;
    /** Two-scanner compaction until a free block of `order` exists (all of it without an order). */
    compact(opts?: {
        order?: number;
    }): CompactResult;
    /** Returns per-CPU cached pages to the zone (all CPUs without an argument). */
    drain(cpu?: number): void;
    buddyinfo(): number[];
    pagetypeinfo(): {
        freeBlocks: Record<Migratetype, number[]>;
        pageblocks: Record<Migratetype, number>;
    };
    fragmentationIndex(order: number): number;
    unusableIndex(order: number): number;
    get freePages(): number;
    /**
     * Per pageblock, ascending: its migratetype and free pages (for memory maps in the lab; not
     * part of the public contract).
     */
    pageblockSummary(): {
        type: Migratetype;
        freePages: number;
        pages: number;
    }[];
    /**
     * For baselines inside src/page (contig-2019.ts): a view of free page ranges. Not part of the
     * public contract.
     */
    get freeRanges(): FreeRangeView;
    stats(): PageAllocatorStats;
    private gigablockStats;
    check(): void;
    private requireCpu;
    private requirePfn;
    private notAllocated;
}
