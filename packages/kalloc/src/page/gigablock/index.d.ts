import { Bitmap } from '../../core/bitmap.ts';
/**
 * The gigablock index: what the placement policy asks about gigablocks (2^gigablockOrder pages,
 * 1 GiB by default), answered by bitmaps with one bit per gigablock — the "bitmap_and and a
 * search" Rik van Riel proposed for the 1 GiB superpageblock RFC and did not build.
 *
 *   hasFree[order * 3 + mt]  the gigablock's own free list (order, mt) is not empty
 *   tainted                  it holds an unmovable or reclaimable pageblock
 *   fullness[c]              its free pages are in [c, c + 1) eighths of its size (0 = fullest)
 *   whole                    it has the full size (the zone's last one may be partial)
 *
 * Bits change only when a gigablock's status changes: a free list turning empty or non-empty
 * (the zone reports both), a pageblock retyped, free pages crossing an eighth. A pick is then a
 * word-wise AND of a few bitmaps and a find-first-set, O(gigablocks / 32) word operations.
 *
 * Counters per gigablock: pageblocks by migratetype (the RFC's nr_unmovable, nr_movable, ...) and
 * free pages. check() recomputes everything from the zone's columns.
 */
export declare const FULLNESS_CLASSES = 8;
/** The zone columns check() recomputes the index from. */
export interface GigablockSource {
    readonly pages: number;
    readonly pageblockOrder: number;
    readonly pbType: Uint8Array;
    readonly pbFree: Int32Array;
    /** Whether free list (order, mt) of gigablock gb is not empty. */
    hasFreeBlock(gb: number, order: number, mt: number): boolean;
}
export declare class GigablockIndex {
    /** log2 of the pages per gigablock. */
    readonly shift: number;
    readonly count: number;
    readonly hasFree: Bitmap[];
    readonly tainted: Bitmap;
    readonly fullness: Bitmap[];
    readonly whole: Bitmap;
    /** Pageblocks per gigablock and migratetype, [gb * NR_TYPES + mt]. */
    readonly pageblocks: Int32Array;
    /** Free pages per gigablock. */
    readonly freePages: Int32Array;
    /** Fullness class per gigablock (the bit set in `fullness`). */
    readonly fullnessOf: Uint8Array;
    private readonly size;
    /** Free pages in [bounds[2gb], bounds[2gb + 1]) keep gigablock gb in its class: addFree's one test. */
    private readonly bounds;
    /** A zone of `pages` free pages, every pageblock MOVABLE (the zone at boot). */
    constructor(pages: number, gigablockOrder: number, pageblockOrder: number, maxOrder: number);
    /** Bytes of index metadata (bitmaps and counters), for stats(). */
    get bytes(): number;
    /** Pages of gigablock gb. */
    sizeOf(gb: number): number;
    /** Free list (order, mt) of gb went from empty to one block (list = order * NR_TYPES + mt). */
    listFilled(gb: number, list: number): void;
    /** Free list `list` of gb became empty. */
    listEmptied(gb: number, list: number): void;
    /** One pageblock of gb changed type from `from` to `to`; taints or cleans gb. */
    retype(gb: number, from: number, to: number): void;
    /** Adds `delta` free pages to gb, moving it between fullness classes when it crosses an eighth. */
    addFree(gb: number, delta: number): void;
    /** Moves gb to the fullness class of `free` pages (kept out of addFree so that it inlines). */
    private reclassify;
    private enterClass;
    /** addFree for a page range that may cross gigablocks (`sign` x its pages in each). */
    addFreeRange(pfn: number, count: number, sign: number): void;
    isTainted(gb: number): boolean;
    private classOf;
    /** Recomputes every counter and bitmap from the zone and compares (ECORRUPT). */
    check(zone: GigablockSource, maxOrder: number): void;
}
