import type { BuddyAllocatorOptions } from './api.ts';
import { BuddyCore } from './buddy-core.ts';
/**
 * The GPU buddy allocator as it was before the 2026 clear tracker (buddy.c @0eaed89c), kept as
 * the honest baseline: two free trees per order (clear and dirty), a block's clear bit travels
 * with it (children inherit it on split), buddies merge only when their clear states match
 * (both clear -> the parent is clear), and when an allocation would fail while cleared memory
 * exists, __force_merge scans the small orders and merges mismatched buddies regardless of
 * state (dropping their clear bit). resetClear force-merges everything first.
 */
export declare class LegacyBuddyAllocator extends BuddyCore {
    private clearBytes;
    protected readonly rangeFirstPassFilters = true;
    constructor(options: BuddyAllocatorOptions);
    get clearAvail(): number;
    resetClear(isClear: boolean): void;
    private tree;
    protected treeOf(n: number): number;
    protected initLanes(n: number, mark: number): void;
    protected link(n: number): void;
    protected unlink(n: number): void;
    /** alloc_from_freetree: the preferred tree (topDown: its highest block), then the other one. */
    protected findFree(k: number, topDown: boolean, clear: boolean): number;
    /** gpu_buddy_offset_aligned_allocation: per order, the preferred tree, then the other. */
    protected findAligned(k: number, align: number, _topDown: boolean, clear: boolean): number;
    protected childClear(parent: number): number;
    protected mayMerge(n: number, buddy: number): boolean;
    protected rangeIncompatible(n: number, clear: boolean): boolean;
    protected defragment(start: number, end: number, minOrder: number): boolean;
    /**
     * __force_merge: for orders minOrder-1 down to 0, both trees, highest offset first, free every
     * block inside [start, end) whose buddy is free (so of the other clear state) with force,
     * merging up regardless of state. True once a merge reaches minOrder. O(N x orders).
     */
    private forceMerge;
    protected onTake(): void;
    protected onFree(): void;
    protected restoreClear(): void;
    protected onBegin(): void;
    protected checkFree(n: number, buddyFree: boolean): number;
    protected checkAllocated(): void;
    protected checkTotals(inFree: number): void;
}
