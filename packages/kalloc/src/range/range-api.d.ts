/**
 * What both range allocators share: the public interface (DESIGN.md, "RangeAllocator"), argument
 * validation, and the layout check behind check(). The free-area tree (RangeAllocator) and the
 * pre-2019 busy-list walk (LinearRangeAllocator) differ only in how they find and track holes.
 */
export interface RangeAllocatorOptions {
    /** First address of the managed space (default 0). */
    start?: number;
    /** Bytes managed: the space is [start, start + size). */
    size: number;
}
export interface RangeAllocOptions {
    /** A power of two; the returned address is a multiple of it (default 1). */
    align?: number;
    /** The allocation must lie inside [start, end) (default: the whole space). */
    start?: number;
    end?: number;
}
export interface FreeArea {
    start: number;
    end: number;
}
export interface RangeStats {
    design: string;
    start: number;
    end: number;
    freeBytes: number;
    usedBytes: number;
    largestFree: number;
    freeAreaCount: number;
    allocationCount: number;
    /** Bytes of typed-array metadata (tree nodes, offset map). */
    metadataBytes: number;
}
export interface RangeAllocatorApi {
    /** The managed space is [start, end). */
    readonly start: number;
    readonly end: number;
    /** The lowest address inside the window that is aligned and fits, or undefined. */
    alloc(size: number, options?: RangeAllocOptions): number | undefined;
    /** Claims exactly [offset, offset + size) if all of it is free. */
    allocAt(offset: number, size: number): boolean;
    /** Frees the allocation starting at offset; returns its size. */
    free(offset: number): number;
    sizeOf(offset: number): number | undefined;
    readonly freeBytes: number;
    readonly usedBytes: number;
    readonly largestFree: number;
    readonly freeAreaCount: number;
    readonly allocationCount: number;
    /** Free areas in ascending order, each maximal (no two touch). */
    freeAreas(): IterableIterator<FreeArea>;
    stats(): RangeStats;
    check(): void;
}
/** Validates constructor options; returns [start, end) of the space. */
export declare function readSpace(options: RangeAllocatorOptions): {
    start: number;
    end: number;
};
/**
 * One validated alloc() request. Each allocator owns one and refills it per call, so that the
 * hot path creates no object: a request without options takes the fast branch.
 */
export declare class RangeRequest {
    size: number;
    align: number;
    start: number;
    end: number;
    /** Validates everything before the caller mutates anything; throws EINVAL naming the argument. */
    read(size: number, options: RangeAllocOptions | undefined, base: number, limit: number): void;
}
/** Validates allocAt() arguments against the space [base, limit). */
export declare function readClaim(offset: number, size: number, base: number, limit: number): void;
/** Validates a free() argument (its presence is the allocator's business). */
export declare function readOffset(offset: number): number;
/**
 * The layout half of check(), shared by both designs: busy ranges and free areas (each given as
 * ascending [start, end) pairs in a flat array) must tile [base, limit) exactly, every range must
 * be non-empty, and no two free areas may touch (free areas are maximal). Throws ECORRUPT.
 */
export declare function checkTiling(base: number, limit: number, busy: readonly number[], free: readonly number[]): void;
/** Sorted flat [start, end, ...] pairs from offset -> size entries (for check()). */
export declare function busyPairs(entries: Iterable<[number, number]>): number[];
