import { GigablockIndex } from './gigablock/index.ts';
import { GigablockPolicy } from './gigablock/policy.ts';
/** Largest order a zone supports (5 bits in desc; 1 << order stays a positive int32). */
export declare const MAX_ZONE_ORDER = 25;
/** Largest zone: links are 26-bit pfns. */
export declare const MAX_PAGES: number;
/** Bytes of per-page metadata (link + desc). */
export declare const BYTES_PER_PAGE = 8;
/** What a pfn is, for error messages and scanners. */
export type PageState = 'free' | 'allocated' | 'held' | 'tail' | 'contig' | 'contig-tail';
export interface ZoneConfig {
    pages: number;
    maxOrder: number;
    pageblockOrder: number;
    /** Gigablocks of 2^gigablockOrder pages (>= maxOrder) with their own free lists; omitted: none. */
    gigablockOrder?: number;
}
export declare class Zone {
    readonly pages: number;
    readonly maxOrder: number;
    readonly pageblockOrder: number;
    readonly pageblockPages: number;
    readonly pageblocks: number;
    /** Per-page columns (see above). */
    readonly link: Int32Array;
    readonly desc: Int32Array;
    /** First block of every free list (see above), -1 when empty. */
    readonly heads: Int32Array;
    /** Free blocks per order and type over the whole zone (order * NR_TYPES + mt). */
    readonly nrFree: Int32Array;
    freePages: number;
    /** log2 of the pages per gigablock (PREV_BITS without gigablocks: one spans the zone). */
    readonly gigablockShift: number;
    readonly listsPerGigablock: number;
    /** With gigablocks: the index and the policy that picks gigablocks from it. */
    readonly index: GigablockIndex | undefined;
    readonly policy: GigablockPolicy | undefined;
    /**
     * With gigablocks and migration: frees room for an unmovable or reclaimable block of `order`
     * in tainted gigablocks by migrating movable blocks out (gigablock-evacuate.ts); true when
     * something moved. Set by the PageAllocator.
     */
    evacuator: ((order: number) => boolean) | undefined;
    /** Per-pageblock columns (see above). */
    readonly pbType: Uint8Array;
    readonly pbFree: Int32Array;
    readonly pbMovable: Int32Array;
    readonly pbFixed: Int32Array;
    /** Zone-lock traffic: every zone operation is one acquisition; pages in and out of the zone. */
    lockAcquisitions: number;
    pagesMoved: number;
    constructor({ pages, maxOrder, pageblockOrder, gigablockOrder }: ZoneConfig);
    /**
     * __rmqueue: a block of `order` for migratetype `mt`, or -1. The kernel's sequence: the
     * requested type's smallest block, else claim a fallback type's pageblock (largest order
     * first), else steal a fallback type's smallest block without relabelling.
     */
    take(order: number, mt: number): number;
    /** Frees the allocated block at `pfn` (the caller checked isAllocated), merging buddies. */
    put(pfn: number): void;
    /** True when pfn is the first page of a block a caller allocated with alloc(). */
    isAllocated(pfn: number): boolean;
    orderOf(head: number): number;
    /** Migratetype an allocated head was allocated as (HELD for the allocator's own). */
    allocTypeOf(head: number): number;
    stateOf(pfn: number): PageState;
    /** Free blocks of order >= `order`, over all migratetypes. */
    freeBlocksAtLeast(order: number): number;
    /**
     * fill_contig_page_info's free_blocks_suitable: how many blocks of `order` the free blocks of
     * that order or larger make. Merging and splitting leave it unchanged.
     */
    suitableBlocks(order: number): number;
    /** Free blocks per order, like /proc/buddyinfo. */
    buddyinfo(): number[];
    freeBlocksOf(mt: number): number[];
    pageblocksOf(mt: number): number;
    /** Pages in pageblock `pb` (the last one may be partial). */
    pageblockSize(pb: number): number;
    /** First page of the block (buddy block or contiguous range) containing pfn. */
    blockStart(pfn: number): number;
    /** One past the last page of the block starting at `head`. */
    blockEnd(head: number): number;
    isFreeHead(pfn: number): boolean;
    /** An allocated MOVABLE buddy block (a caller's, not HELD). */
    isMovableHead(head: number): boolean;
    /** Pages nothing can move from pageblock pb (movable ones count when `pinned`). */
    pageblockObstacles(pb: number, pinned: boolean): number;
    /** The last page in [from, to) that nothing can move, or -1 (walks blocks). */
    lastObstacle(from: number, to: number, pinned: boolean): number;
    /** Takes the free block at `head` off its free list and holds it. */
    holdFree(head: number): void;
    /** Marks pfn as the head of a held block of `order` (splitting a held block). */
    markHeld(pfn: number, order: number): void;
    /** Holds a caller's allocated block (after its contents migrated away). */
    holdAllocated(head: number): void;
    /** Hands a held block to a caller as an allocation of `mt`, with the order it has now. */
    assignHeld(head: number, order: number, mt: number): void;
    /**
     * Holds every free page in [from, to): free blocks inside are held whole; a free block that
     * straddles an end is split, its outside pieces going back to the free lists.
     */
    holdFreeRange(from: number, to: number): void;
    /** Frees held (or contiguous) pages [from, to) back to the free lists, merging buddies. */
    releaseRange(from: number, to: number): void;
    /** Turns held pages [pfn, pfn + nrPages) into one contiguous allocation. */
    commitContig(pfn: number, nrPages: number): void;
    /** Length of the contiguous allocation starting at pfn, or -1 if pfn does not start one. */
    contigLength(pfn: number): number;
    /** Pages held by the per-CPU layer (maintained by the layer). */
    pcpPages: number;
    /** Joins the held buddies [pfn, +2^(order-1)) and its upper half into one held block of `order`. */
    joinHeld(pfn: number, order: number): void;
    /** __rmqueue over the whole zone (the only path without gigablocks). */
    private rmqueue;
    /** __rmqueue_smallest: the smallest block of `mt` (with gigablocks, in the lowest gigablock that has one). */
    private rmqueueSmallest;
    /** The smallest block of `mt` and order >= `order` on gigablock gb's lists, split to `order`; or -1. */
    private smallestIn;
    /** __rmqueue_claim: fallback types, largest order first, claiming whole pageblocks. */
    private rmqueueClaim;
    /**
     * try_to_claim_block. Without `force` a block below pageblock order claims its pageblock only
     * when free + alike pages make half of it; with `force` (inside tainted gigablocks, the RFC's
     * v1 25/45) always.
     */
    private tryClaimBlock;
    private rmqueueSteal;
    /** Takes the free block at pfn (of `current`, on a `fallback` list) for `order`, leaving its type. */
    private stealBlock;
    /** The first block of free list (order, mt) — of the lowest gigablock that has one; the list is not empty. */
    private firstFree;
    /**
     * __rmqueue with gigablocks: the placement policy (gigablock-policy.ts picks the gigablocks).
     *
     *   movable                1. the fullest clean gigablock with a movable block;
     *                          2. the kernel's sequence over the rest (movable pageblocks of tainted
     *                             gigablocks, then claim and steal).
     *   unmovable/reclaimable  1. a block of the type (its pageblocks all lie in tainted gigablocks);
     *                          2. a fallback type's block in a tainted gigablock, its pageblock claimed
     *                             whatever it holds;
     *                          3. evacuate movable blocks out of a tainted gigablock, then retry 1-2;
     *                          4. taint the fullest clean gigablock: claim its largest free block.
     * Every free block is reached by some step, so a request fails only when no block of its
     * order or larger is free, as without gigablocks.
     */
    private rmqueueGigablocks;
    /** Steps 1 and 2 for an unmovable or reclaimable request: served inside tainted gigablocks. */
    private rmqueueTainted;
    /** Claims the pageblock of a free block whatever it holds (stealing the block when it cannot). */
    private claimOrSteal;
    private findFallback;
    /** Splits a block of `high` taken from the lists down to `low`, freeing the upper halves. */
    private expand;
    /**
     * __free_one_page: adds a free block, merging it with its buddy (pfn ^ 1 << order) while the
     * buddy is a free block of the same order. Merging at pageblock order or above relabels the
     * buddy's pageblocks to the freed block's type, as the kernel does.
     */
    private addMerging;
    /** Relabels one pageblock, moving its free blocks to the new type's lists. */
    private relabelPageblock;
    /** Sets the type of every pageblock of the block [pfn, pfn + 2^order) (no free blocks moved). */
    private setTypeRange;
    /** Sets one pageblock's type, keeping its gigablock's counts and taint. */
    private setPageblockType;
    /** Index in `heads` of the free list a block of (order, mt) at pfn belongs on. */
    private listIndex;
    /** list_add: pushes a free block on the front of its list. */
    private listAdd;
    private listDel;
    /** Whether gigablock gb's free list (order, mt) has a block (the index's check() asks). */
    hasFreeBlock(gb: number, order: number, mt: number): boolean;
    /** Free pages of [pfn, pfn + count) change by `sign` each: the pageblock and gigablock counts. */
    private accountFree;
    /** Adds `sign` x (pages of [pfn, pfn + count) in each pageblock) to a pageblock column. */
    private account;
    /** The largest aligned blocks (order <= maxOrder) that tile [from, to), ascending. */
    forEachPiece(from: number, to: number, fn: (pfn: number, order: number) => void): void;
    /** Full verifier (ECORRUPT on any broken invariant). */
    check(): void;
}
