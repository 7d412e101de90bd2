import type { BuddyAllocatorOptions } from './api.ts';
import { BuddyCore } from './buddy-core.ts';
/**
 * The GPU buddy allocator with the 2026 design (clear tracker, v4): one free tree per order
 * holding every free block, clear or dirty; buddies always coalesce on free; cleared free memory
 * is tracked out of band as extents in a ClearTracker, so it survives merges and splits and no
 * force-merge is ever needed.
 *
 * - Dirty allocations take blocks with dirty memory first (the highest of the smallest order
 *   that has one) and split toward the dirtier half, so cleared memory stays while dirty
 *   memory can serve.
 * - Clear allocations take the smallest all-cleared block, else steer into a cleared extent
 *   inside a partly cleared block (O(log E)), splitting toward it, else any free block.
 * - A block reports clear iff the allocation asked for clear memory and all of it was cleared;
 *   allocated memory is always dirty in the tracker, so clearAvail is exact at all times.
 */
export declare class BuddyAllocator extends BuddyCore {
    private readonly tracker;
    /** Clear ranges the allocation in progress took out of the tracker (start, end pairs). */
    private readonly clearLog;
    constructor(options: BuddyAllocatorOptions);
    get clearAvail(): number;
    /** Cleared free extents in address order (for maps and tests). */
    clearExtents(): IterableIterator<{
        start: number;
        end: number;
    }>;
    resetClear(isClear: boolean): void;
    protected treeOf(n: number): number;
    protected initLanes(n: number, mark: number): void;
    /**
     * Clear requests: the smallest all-cleared block (like the old clear tree), else steer into a
     * cleared extent inside a partly cleared block, else any block. Dirty requests: the highest
     * block with dirty memory of the smallest order that has one, splitting toward the dirtier
     * half, else any block.
     */
    protected findFree(k: number, topDown: boolean, clear: boolean): number;
    protected findAligned(k: number, align: number, _topDown: boolean, clear: boolean): number;
    /**
     * The highest block with a `lane` value >= threshold (ANY: in either lane) of the smallest
     * order >= k that has one, or with topDown the highest over all orders >= k (get_maxblock).
     */
    private search;
    protected childClear(parent: number, offset: number, k: number): number;
    protected mayMerge(): boolean;
    protected onTake(n: number): void;
    protected onFree(n: number, cleared: boolean): void;
    protected restoreClear(lo: number, hi: number): void;
    protected onBegin(): void;
    protected checkFree(n: number, buddyFree: boolean): number;
    protected checkAllocated(n: number): void;
    protected checkTotals(inFree: number): void;
}
