/** Public types of the buddy allocators (both designs share them). */
/** One allocated block: a naturally aligned power-of-two range [offset, offset + size). */
export interface BuddyBlock {
    readonly offset: number;
    readonly size: number;
    readonly order: number;
    /** True iff the allocation asked for cleared memory and all of this block was cleared. */
    readonly clear: boolean;
}
export interface BuddyAllocatorOptions {
    /** Bytes to manage (rounded down to chunkSize); at most 2^53. */
    size: number;
    /** The order-0 block size: a power of two >= 4096 (default 4096). */
    chunkSize?: number;
}
export interface BuddyAllocOptions {
    /** Restrict the allocation to [start, end). start + size === end places it exactly there. */
    start?: number;
    end?: number;
    /** Every block is at least this big and aligned to it (power of two >= chunkSize). */
    minBlockSize?: number;
    /** One contiguous range; a non-power-of-two size is rounded up and trimmed back. */
    contiguous?: boolean;
    /** Prefer the highest addresses. */
    topDown?: boolean;
    /** Prefer cleared (zeroed) memory, falling back to dirty memory. */
    clear?: boolean;
    /** Default true: give back the rounding; false keeps the rounded-up power-of-two blocks. */
    trim?: boolean;
}
export interface BuddyFreeOptions {
    /** The memory was zeroed by the caller: track it as cleared. */
    cleared?: boolean;
}
export interface BuddyOrderStats {
    order: number;
    blocks: number;
    bytes: number;
}
/** Like gpu_buddy_print: a summary, then free blocks per order from the largest order down. */
export interface BuddyStats {
    size: number;
    chunkSize: number;
    avail: number;
    clearAvail: number;
    orders: BuddyOrderStats[];
}
/**
 * The block object handed to users. It names its node and the node's generation at the time of
 * allocation, so a stale copy (freed or trimmed since) or one of another allocator is detected.
 */
export declare class BlockHandle implements BuddyBlock {
    readonly owner: object;
    readonly node: number;
    readonly generation: number;
    readonly offset: number;
    readonly size: number;
    readonly order: number;
    readonly clear: boolean;
    constructor(owner: object, node: number, generation: number, offset: number, size: number, order: number, clear: boolean);
    toJSON(): {
        offset: number;
        size: number;
        order: number;
        clear: boolean;
    };
}
