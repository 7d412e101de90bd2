import { type HeapViews } from './layout.ts';
/**
 * The shared page level: a binary buddy over page numbers whose every word lives in the
 * SharedArrayBuffer (free-list heads and counts in `meta`, per-page links, order and state in the page records).
 * It does no locking itself; SharedHeap calls it only while holding the shared lock, so plain
 * reads and writes are enough (see lock.ts).
 *
 * Blocks are 2^k pages at page numbers aligned to 2^k; the buddy of block p of order k is
 * p ^ 2^k. A page count that is not a power of two starts as its largest aligned parts:
 *
 *   pages = 13:  [0 ........ 8)[8 .. 12)[12]     orders 3, 2, 0
 */
export declare const TAIL = 0;
export declare const FREE = 1;
export declare const LARGE = 2;
export declare const OWNED = 3;
export declare class PageBuddy {
    private readonly v;
    readonly pages: number;
    readonly maxOrder: number;
    constructor(v: HeapViews, pages: number);
    /** Makes every page free: the largest aligned power-of-two blocks from page 0 up. */
    format(): void;
    /** Takes a block of 2^k pages, splitting a larger one; returns its first page or -1. */
    alloc(k: number): number;
    /** Frees the block starting at page p (the caller has checked it is allocated) and merges it. */
    free(p: number): void;
    freePages(): number;
    /** Free blocks per order (like /proc/buddyinfo). */
    freeBlocks(): number[];
    private push;
    private unlink;
    /**
     * Verifies the page level: blocks tile [0, pages) at aligned offsets, tails belong to a head,
     * every free block is on its order's list exactly once with exact counts, no two free buddies
     * are left unmerged, and the free-page counter is exact. Calls `visit` for each allocated block.
     */
    check(visit: (p: number, k: number, state: number) => void): void;
}
