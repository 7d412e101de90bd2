import type { HeapContext } from './shared-heap.ts';
/**
 * The full verifier behind SharedHeap.check(). It reads everything plainly, so it is exact only
 * while no other thread is inside a heap call. Beyond the page buddy's own checks:
 *  - pages of an owned block name its head and one owner (an attached worker or ORPHAN); other
 *    pages carry no block, owner or slab; a block's used count is its number of slab pages;
 *  - in each slab every object below the bump index is exactly one of: free on the slab's free
 *    list, allocated (objState 1) or on a remote-free list (objState 2); nothing else is marked;
 *  - each worker's class lists hold exactly its slabs with room, its page list exactly its
 *    non-slab pages; every objState-2 object is on exactly one remote-free list;
 *  - nobody holds the lock, detached workers own nothing.
 */
export declare function checkHeap(ctx: HeapContext): void;
export interface SharedHeapStats {
    size: number;
    pageSize: number;
    pages: number;
    mode: string;
    worker: number;
    freePages: number;
    /** Free blocks per order of the page level. */
    freeBlocks: number[];
    largeBlocks: number;
    largePages: number;
    ownedBlocks: number;
    orphanBlocks: number;
    slabs: number;
    liveObjects: number;
    /** Objects freed by another worker and not yet reclaimed by their owner. */
    pendingRemoteFrees: number;
    lock: {
        acquired: number;
        waited: number;
    };
    blocksTaken: number;
    blocksReturned: number;
    orphanFrees: number;
    workers: {
        worker: number;
        blocks: number;
        allocs: number;
        frees: number;
        remoteFreesSent: number;
    }[];
}
export declare function heapStats(ctx: HeapContext, worker: number): SharedHeapStats;
