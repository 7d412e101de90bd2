import { type BuddyAllocOptions, type BuddyAllocatorOptions, type BuddyBlock, type BuddyFreeOptions, type BuddyStats } from './api.ts';
import { BlockPool } from './block-pool.ts';
import { NumberList } from '../core/number-list.ts';
/** How splitDown() picks the child to continue with. */
export declare const enum Pick {
    Right = 0,// always the right (higher) child: the kernel's default
    AvoidClear = 1,// the dirtier child, the right one on a tie (dirty allocations keep cleared memory)
    Aligned = 2,// the right child if its offset is aligned to `arg` bytes, else the left
    AlignedAvoidClear = 3,// Aligned, and the left child also when it is dirtier
    Toward = 4
}
/**
 * Everything the two buddy designs share: the block tree over power-of-two roots, validation,
 * the allocation driver (rounding, order fallback, trim, contiguous try-harder), the exact-range
 * and range-restricted depth-first searches, splitting and coalescing, trim, block handles,
 * stats and the structural part of check(). A design supplies only its policy: which free tree
 * a block lives in, how a free block is found, whether two free buddies may merge, and how
 * cleared memory is accounted.
 *
 * A block is a node of one BlockPool (an RbForest). Free blocks are linked into a free tree;
 * split and allocated blocks are detached. Children of a split block are created on split and
 * released when they merge back, like the kernel's block slab.
 */
export declare abstract class BuddyCore {
    readonly size: number;
    readonly chunkSize: number;
    readonly maxOrder: number;
    readonly rootCount: number;
    protected readonly pool: BlockPool;
    protected readonly roots: Int32Array;
    /** Bytes of an order-k block. */
    protected readonly bytes: Float64Array;
    protected readonly treesPerOrder: number;
    protected availBytes: number;
    /** Nodes taken by the allocation in progress (scratch, reused). */
    protected readonly taken: NumberList;
    private readonly stack;
    private epoch;
    protected constructor(options: BuddyAllocatorOptions, treesPerOrder: number, lanes: number);
    get avail(): number;
    abstract get clearAvail(): number;
    /** The free tree a free block belongs in. */
    protected abstract treeOf(n: number): number;
    /** Sets the lanes of a block about to be linked: `mark` (ctz + 1) in its class's lane, 0 elsewhere. */
    protected abstract initLanes(n: number, mark: number): void;
    /** A free block of at least order k, split down to order k (free, linked); NIL if none. */
    protected abstract findFree(k: number, topDown: boolean, clear: boolean): number;
    /**
     * Same, at an offset aligned to `align` bytes (> the block size): the offset-aligned path.
     * topDown does not apply here, as in the kernel (the search already takes the highest).
     */
    protected abstract findAligned(k: number, align: number, topDown: boolean, clear: boolean): number;
    /** Clear bit of a new child of a free block being split. */
    protected abstract childClear(parent: number, offset: number, k: number): number;
    /** Whether a freed block may merge with its free buddy. */
    protected abstract mayMerge(n: number, buddy: number): boolean;
    /** A block was taken off the free trees for the allocation in progress. */
    protected abstract onTake(n: number): void;
    /** An allocated block is being freed; `cleared` says the caller zeroed it. */
    protected abstract onFree(n: number, cleared: boolean): void;
    /** Undo onTake's clear bookkeeping inside [lo, hi) (every range, for a full rollback). */
    protected abstract restoreClear(lo: number, hi: number): void;
    /** A fresh allocation attempt starts / its blocks were handed out. */
    protected abstract onBegin(): void;
    /** The legacy design skips blocks of the other clear state in a first range pass. */
    protected rangeIncompatible(_n: number, _clear: boolean): boolean;
    protected readonly rangeFirstPassFilters: boolean;
    /** Last resort before failing (legacy force-merge); true if it changed anything worth a retry. */
    protected defragment(_start: number, _end: number, _minOrder: number): boolean;
    abstract resetClear(isClear: boolean): void;
    /**
     * Design-specific checks of one free block (returning its cleared bytes), of one allocated
     * block, and of the totals given the cleared bytes summed over every free block.
     */
    protected abstract checkFree(n: number, buddyFree: boolean): number;
    protected abstract checkAllocated(n: number): void;
    protected abstract checkTotals(clearInFree: number): void;
    alloc(size: number, options?: BuddyAllocOptions): BuddyBlock[] | undefined;
    free(blocks: Iterable<BuddyBlock>, options?: BuddyFreeOptions): void;
    /**
     * Shrinks an allocated block to newSize bytes starting at `start` (default: the block's start)
     * and frees the rest. Returns the blocks now covering the kept range, in address order; the
     * old block object is no longer valid. Cut-off memory returns dirty: the allocator cannot know
     * whether it was written since it was handed out (the kernel keeps its clear bit, trusting
     * drivers to trim before use).
     */
    trim(block: BuddyBlock, newSize: number, start?: number): BuddyBlock[];
    stats(): BuddyStats;
    /** The largest ctz(offset) over all free blocks (the free trees' subtree_max_alignment); -1 if none. */
    maxFreeAlignment(): number;
    /** Free blocks in address order, as [offset, size, clear] (for maps and tests). */
    freeBlocks(): IterableIterator<{
        offset: number;
        size: number;
        clear: boolean;
    }>;
    check(): void;
    /** Links a free block (state and clear bit already set) into its tree. */
    protected link(n: number): void;
    protected unlink(n: number): void;
    /** The highest block of `tree` with lane value >= threshold (the tree's last block is checked first). */
    protected lastIn(tree: number, lane: number, threshold: number): number;
    /** The free block containing offset p, which the caller knows to be free. */
    protected blockAt(p: number): number;
    /** Splits a free linked block into two free linked halves. */
    protected split(n: number): void;
    /** Turns an unlinked free block into a split one with two free, unlinked halves. */
    private halve;
    /**
     * Splits a free linked block down to order k, following `pick`, and returns the order-k block
     * detached (take() claims it). Only the halves left behind are linked: one tree insert per
     * level instead of the two inserts and one removal of split() each time.
     */
    protected splitDown(n: number, k: number, pick: Pick, arg: number): number;
    /** Claims a free block: linked (found in a tree) or detached (from splitDown). */
    protected take(n: number): void;
    /** Frees an allocated (or just unlinked) block and coalesces it upward; returns the final order. */
    protected release(n: number, force?: boolean): number;
    private nextEpoch;
    private begin;
    /** Gives back everything the allocation in progress took, restoring the clear state. */
    private fail;
    private commit;
    /** The node of an allocated block handle; `index` >= 0 names it as an element of `name`. */
    private nodeOf;
    /**
     * The kernel's __alloc_range: takes every free block inside [start, end), lowest address
     * first, splitting blocks that straddle an edge; stops at the first allocated block in the
     * way. Starts from `from` (trim) or from all roots. Returns the bytes taken; the caller
     * decides whether a short result is a failure.
     */
    private allocExact;
    /**
     * The kernel's __alloc_range_bias: depth-first over the block tree for a free order-k block
     * inside [start, end) (aligned to `align` bytes when > 0: the offset-aligned case), lowest
     * address first (highest with topDown). A subtree is skipped when no aligned k-block fits in
     * its overlap with the range, so every split made here leads to the block returned.
     */
    private rangeSearch;
    private rangePass;
    /**
     * The kernel's __alloc_contig_try_harder: a contiguous range of a non-power-of-two size (or one
     * beyond the largest order) from two neighbours that are not buddies. For every free block of
     * order log2(rounddown_pow2(size)), highest first: take what is free from its start, and the
     * rest from just below it.
     */
    private tryHarder;
    /**
     * The kernel's gpu_buddy_block_trim: the block becomes free within its own subtree, then the
     * kept range is taken back from it. `internal` (alloc giving back its rounding) restores the
     * clear state of the cut-off memory, which was never handed out.
     */
    private trimNode;
}
