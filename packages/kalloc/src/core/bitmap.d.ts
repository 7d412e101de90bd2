/**
 * A fixed-size bitmap in 32-bit words with find-first-set, and the word-wise AND search the
 * gigablock index needs ("bitmap_and and a search").
 */
export declare class Bitmap {
    readonly length: number;
    readonly words: Uint32Array;
    constructor(length: number);
    get(i: number): boolean;
    set(i: number): void;
    clear(i: number): void;
    assign(i: number, on: boolean): void;
    /** The first set bit at index >= from, or -1. */
    findFirst(from?: number): number;
    /** Makes this the union (OR) of sources[first], sources[first + step], ... (of its length). */
    setToUnion(sources: readonly Bitmap[], first?: number, step?: number): void;
    /** Number of set bits. */
    count(): number;
    equals(other: Bitmap): boolean;
}
/**
 * The first index >= from set in every bitmap of `all` (at least one) and clear in every bitmap
 * of `none`: (all[0] & all[1] ... & ~none[0] & ~none[1] ...) searched a word at a time, so a
 * search over N bits costs O(N / 32) word operations per bitmap. The bitmaps have one length.
 */
export declare function findFirstWhere(all: readonly Bitmap[], none: readonly Bitmap[], from?: number): number;
/**
 * The first index >= from set in `include` and clear in every bitmap of `exclude`:
 * (include & ~exclude[0] & ~exclude[1] ...) searched a word at a time.
 */
export declare function findFirstAndNot(include: Bitmap, exclude: readonly Bitmap[], from?: number): number;
/** The first index >= from set in every bitmap of `all`. */
export declare function findFirstAnd(all: readonly Bitmap[], from?: number): number;
