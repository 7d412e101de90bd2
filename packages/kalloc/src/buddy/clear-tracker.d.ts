import type { NumberList } from '../core/number-list.ts';
/**
 * The 2026 gpu_buddy clear tracker: the free address ranges known to be zeroed, kept as maximal
 * non-overlapping extents [start, end) in an augmented interval tree keyed by start.
 *
 * Two augmented lanes per extent:
 *   SIZE  end - start                          (the kernel's subtree_max_size)
 *   CAP   the largest power of two P such that an address aligned to P and the P bytes after
 *         it fit inside the extent
 *
 * CAP is what keeps the alignment-aware search O(log E). For power-of-two `size`, an extent can
 * place `size` bytes at a `size`-aligned address iff CAP >= size (a P-aligned P-block with
 * P >= size contains a size-aligned size-block, and conversely). So "subtree max CAP >= size" is
 * both necessary and sufficient for "this subtree holds a qualifying extent", and the search is
 * one descent. A SIZE test alone is not enough: an extent of size + align - 1 bytes may still
 * miss (start just past an aligned address), and many such near misses would make the search
 * linear. CAP is cheap: with L = end - start and P = 2^floor(log2 L), CAP is P or P/2, since any
 * run of 2Q bytes contains an aligned Q-block.
 */
export declare class ClearTracker {
    private readonly tree;
    private totalClear;
    /**
     * The extent the last update touched. Allocations and frees come in address runs (a batch
     * takes the highest cleared blocks one below the other, and frees them back in order), so the
     * next update's extent is usually a neighbour or two away: stepping the threaded links costs
     * a few loads where a descent costs one dependent load and a mispredicted branch per level.
     */
    private finger;
    /** Scratch stack for the general (align != size) search; reused, never shrinks. */
    private readonly stack;
    constructor(capacity?: number);
    /** Bytes covered by extents. */
    get total(): number;
    get extentCount(): number;
    /** Extents in ascending order (not for hot paths). */
    extents(): IterableIterator<{
        start: number;
        end: number;
    }>;
    reset(): void;
    /** Marks [start, start+size) clear, merging with every extent it touches or overlaps. */
    markClear(start: number, size: number): void;
    /**
     * Marks [start, start+size) dirty: extents inside it go, an extent around it splits in two,
     * extents across an edge are trimmed. Returns the bytes that were clear. When `log` is given,
     * each removed clear piece is appended to it as a start, end pair (so a caller can undo).
     */
    markDirty(start: number, size: number, log?: NumberList): number;
    /** True iff one extent covers all of [start, start+size). */
    isClear(start: number, size: number): boolean;
    /** True iff some of [start, start+size) is clear. */
    hasClear(start: number, size: number): boolean;
    /** Clear bytes inside [start, start+size). */
    overlap(start: number, size: number): number;
    /**
     * The highest-address extent that can place `size` bytes at an `align`-aligned address
     * (align(start) + size <= end), as its start offset; -1 if none. Both are powers of two.
     *
     * align === size (every buddy block is naturally aligned) is one O(log E) descent on CAP.
     * Otherwise the search is still exact: it prunes subtrees that fail the necessary condition
     * (CAP >= min(size, align) and SIZE >= size) and takes the first extent, right to left, that
     * passes the exact test; extents with CAP >= max(size, align) always pass, so the walk stops
     * at the first subtree holding one. Its cost is O(log E) plus the near misses it steps over.
     */
    find(size: number, align?: number): number;
    /** The highest `align`-aligned address p in the extent found by find() with p + size <= end; -1 if none. */
    highestPlacement(size: number, align?: number): number;
    private findExtent;
    /** Verifies the tree, maximality (no touching extents), the lanes and the total. */
    check(): void;
    /** Links a new extent [lo, hi) whose successor is `next` (NIL: it goes last): no descent then. */
    private insertExtent;
    /** tree.floor(key), walking at most FINGER_STEPS links from the finger before descending. */
    private floorNear;
    private setExtent;
}
