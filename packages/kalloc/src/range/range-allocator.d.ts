import { type FreeArea, type RangeAllocatorApi, type RangeAllocatorOptions, type RangeAllocOptions, type RangeStats } from './range-api.ts';
/**
 * The vmalloc free-area allocator (Rezki, Linux 5.2): the free space is a set of maximal free
 * areas in one augmented red-black tree keyed by start address, each node carrying its area's
 * size and its subtree's largest size. alloc() finds the lowest area that fits in O(log N) by
 * skipping subtrees too small to help; free() merges with both neighbours, found in O(1) through
 * the tree's threaded order. Live allocations sit in an offset -> size hash.
 *
 * Unlike the kernel, which searches with size + align - 1 when align > PAGE_SIZE (a fit, not
 * always the lowest), the search here is exact for every alignment: see lowestFit(). What keeps
 * it fast is a second augmented lane the kernel does not have: for each area, the alignment of
 * the most aligned address inside it, so that the search also skips every subtree in which no
 * area even contains an address aligned as requested.
 */
export declare class RangeAllocator implements RangeAllocatorApi {
    readonly start: number;
    readonly end: number;
    /** Free areas: key = start, lanes SIZE and ALIGN, each augmented with the subtree's largest. */
    private readonly areas;
    /** Live allocations: offset -> size. */
    private readonly live;
    private readonly request;
    private used;
    constructor(options: RangeAllocatorOptions);
    alloc(size: number, options?: RangeAllocOptions): number | undefined;
    allocAt(offset: number, size: number): boolean;
    free(offset: number): number;
    sizeOf(offset: number): number | undefined;
    get freeBytes(): number;
    get usedBytes(): number;
    get largestFree(): number;
    get freeAreaCount(): number;
    get allocationCount(): number;
    freeAreas(): IterableIterator<FreeArea>;
    stats(): RangeStats;
    check(): void;
    /**
     * The lowest free area in which an aligned block of `size` fits at or above `vstart` (the
     * kernel's find_vmap_lowest_match with is_within_this_va), or NIL. `alignLog` is log2(align).
     *
     * It is an in-order walk of the tree that never enters a subtree whose largest area is smaller
     * than `size` or in which no area contains an address aligned to `align` (the ALIGN lane), nor
     * a left subtree lying wholly below vstart (every area there ends at or below the node's start
     * <= vstart), and stops at the first area where the aligned block fits. Areas are disjoint and
     * sorted, so the first area that fits holds the lowest fitting address.
     *
     *            (p)          climb from a left child: p is next in order, then p's right subtree;
     *           /   \         from a right child, p was visited before: keep climbing
     *        (x)     [R]
     *
     * Termination: in-order, every node is entered once going down and left once going up.
     * Cost: the nodes visited are the search path for vstart plus, for each area examined, the
     * path down to it: O((k + 1) log N), where k counts the areas examined that passed both lanes
     * and still failed. One can fail by straddling vstart (at most one does); the others contain
     * an address aligned to `align` and are long enough, but the lowest aligned address in them
     * sits less than `size` before their end. With align = 1 none can, so alloc is O(log N); with
     * alignment such areas are rare (about one per search on the benchmark with alignments of
     * 256 B to 64 KiB, against ninety with the size lane alone). The kernel bounds k instead by
     * searching with size + align - 1, which gives up the lowest address; we keep it exact.
     */
    private lowestFit;
    /**
     * Takes [at, at + size) out of free area `area`, by the kernel's four fit types:
     *
     *   FL  |#########|       the area goes away
     *   LE  |####.....|       the area's start moves right (same place in key order)
     *   RE  |.....####|       the area shrinks from the right
     *   NE  |..####...|       the right part keeps the node, the left part becomes a new node
     *                         linked just before it (its position is known: no search)
     */
    private carve;
    /** Returns [offset, offset + size) to the free areas, merged with whichever neighbours touch it. */
    private merge;
    /** Sets a detached node to the free area [start, end). */
    private describe;
    /**
     * Makes linked area n [start, end), which must keep its place in address order (it only
     * shrinks or grows into space no other area holds), and fixes the maxima above it.
     */
    private reshape;
}
