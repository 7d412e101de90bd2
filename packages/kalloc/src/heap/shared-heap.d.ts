import { type HeapMode, type HeapParams, type HeapViews, type Layout, type SharedHeapBuffers } from './layout.ts';
import { PageBuddy } from './page-buddy.ts';
import { type SizeClasses } from './size-classes.ts';
import { type SharedHeapStats } from './heap-check.ts';
export type { HeapMode, SharedHeapBuffers } from './layout.ts';
export type { SharedHeapStats } from './heap-check.ts';
/** The largest heap: offsets stay below 2^31 so they fit the Int32 free-list links. */
export declare const MAX_HEAP_SIZE: number;
export interface SharedHeapOptions {
    /** Bytes of data; a multiple of pageSize, at most 2^31. */
    size: number;
    /** Power of two in [256, 65536]; default 4096. */
    pageSize?: number;
    /** Worker ids are 0 .. maxWorkers-1; default 64. */
    maxWorkers?: number;
    /** Pages a worker takes from the shared level at a time (power of two, default 16). */
    blockPages?: number;
    /**
     * 'owned' (default): per-worker slabs, remote frees routed to the owner without locks.
     * 'global-lock': the same heap with every alloc/free under the one shared lock (the baseline).
     */
    mode?: HeapMode;
}
export interface HeapAttachOptions {
    /** This thread's worker id, in [0, maxWorkers); no other attached thread may use it. */
    worker: number;
}
export interface HeapAllocOptions {
    /** Power of two; the offset is a multiple of it. Default (and minimum) 16. */
    align?: number;
}
/** Everything check() and stats() read; one per attached instance. */
export interface HeapContext {
    params: HeapParams;
    layout: Layout;
    classes: SizeClasses;
    views: HeapViews;
    buddy: PageBuddy;
}
/**
 * SharedHeap: one heap for many workers over SharedArrayBuffers (see docs/shared-heap.md).
 *
 * Small sizes (<= pageSize / 2) come from slabs: pages cut into objects of one size class. Each
 * worker owns whole blocks of `blockPages` pages, taken from the shared page-level buddy under
 * the shared lock and carved into slabs by the owner alone, with plain reads and writes. Frees
 * route back to the owner, as in the kernel's pcp buddy RFC: the owner frees its own objects
 * without atomics; another worker pushes the object onto the owner's remote-free stack with a
 * compareExchange, and the owner takes the whole stack with one exchange on its next call
 * (mimalloc's thread-free lists). Larger sizes are whole page blocks from the shared buddy.
 *
 * The thread that calls create() is attached as worker 0.
 *
 * Memory ordering. Every Atomics operation is sequentially consistent, and a plain write that
 * precedes an atomic write (store, exchange, compareExchange) in one thread is visible to any
 * thread whose atomic read observes that atomic write. Hence:
 *  - the page level and orphaned blocks change only under the shared lock (lock.ts), with plain
 *    accesses; lock and unlock carry them from one holder to the next;
 *  - an owner's slabs, slab lists and free-page list are written by the owner alone (or, after it
 *    detached, under the lock), so the owner uses plain accesses and no atomics at all;
 *  - another thread only ever reads an owned page's owner and class, to route a free. Those
 *    words were written before the object was allocated, and the object's offset reached the
 *    freeing thread through some synchronisation (postMessage, an Atomics-published ring slot),
 *    which carries the earlier writes along;
 *  - the objState byte of an object is claimed by a remote free with compareExchange (1 -> 2);
 *    the owner clears it with a plain write only after taking the object off its remote-free
 *    stack with an exchange that observed the push. A double free racing *concurrently* with the
 *    owner's own free of the same object is a use-after-free in the caller that this cannot always
 *    catch (as in any allocator); every sequential double free is caught.
 */
export declare class SharedHeap {
    readonly buffers: SharedHeapBuffers;
    readonly worker: number;
    readonly size: number;
    readonly pageSize: number;
    readonly maxWorkers: number;
    readonly blockPages: number;
    readonly mode: HeapMode;
    private readonly ctx;
    private readonly buddy;
    private readonly meta;
    private readonly page;
    private readonly objState;
    private readonly data32;
    private readonly sizes;
    private readonly perSlab;
    private readonly classes;
    private readonly maxSmall;
    private readonly pageShift;
    private readonly blockOrder;
    private readonly classCount;
    private readonly ownerBase;
    private readonly remoteAt;
    private readonly globalLock;
    private attached;
    /** True while this instance holds the shared lock (so nested steps do not take it again). */
    private holding;
    /** Creates a heap in fresh SharedArrayBuffers; the calling thread becomes worker 0. */
    static create(options: SharedHeapOptions): SharedHeap;
    /**
     * Attaches this thread to a heap made by create() (in any thread), as worker `options.worker`.
     * Nothing is copied: the instance is typed-array views over `buffers`.
     */
    static attach(buffers: SharedHeapBuffers, options: HeapAttachOptions): SharedHeap;
    private constructor();
    /**
     * Allocates `size` bytes; returns the offset into `buffers.data`, or undefined when the heap
     * has no room. Sizes up to pageSize / 2 come from this worker's slabs (usable size: the size
     * class, see sizeOf); larger ones are 2^k whole pages from the shared level.
     */
    alloc(size: number, options?: HeapAllocOptions): number | undefined;
    /** Frees an allocation of this heap, from any attached thread. */
    free(offset: number): void;
    /** The usable size of the allocation at `offset`, or undefined if none starts there. */
    sizeOf(offset: number): number | undefined;
    /** A Uint8Array view of an allocation (no copy): `length` bytes, default its usable size. */
    bytes(offset: number, length?: number): Uint8Array;
    /**
     * Hands this worker's blocks back: reclaims pending remote frees, returns empty blocks to the
     * shared level and orphans blocks that still hold live objects. Those objects stay valid; when
     * they are freed (by anyone) they go back through the shared lock. The id becomes free to attach.
     */
    detach(): void;
    /**
     * detach() on behalf of worker `id`, which exited or died without detaching. It must not be
     * running: a worker killed inside a heap call may leave its own lists torn (check() reports it),
     * and one killed while holding the shared lock leaves it held.
     */
    reclaim(id: number): void;
    /**
     * Verifies every invariant (ECORRUPT if broken): blocks tile the pages, free lists exact and
     * merged, no object lost, leaked or on two lists, every remote free accounted for, counts exact.
     * Call it only when no other thread is inside a heap call (it reads without locks).
     */
    check(): void;
    /** A snapshot of the heap's state and counters (exact when no other thread is mutating). */
    stats(): SharedHeapStats;
    private allocSmall;
    /** Turns one of this worker's free pages into a slab of class c, taking a block if needed. */
    private newSlab;
    /**
     * Takes a block of blockPages pages (or, when the heap is that fragmented, the largest smaller
     * one) from the shared level. The owner fields are written under the lock; any thread that
     * later receives an offset in this block got it through some synchronisation after our unlock,
     * so it sees them.
     */
    private takeBlock;
    /**
     * Frees a slab or large object; false when `offset` is not allocated. The objState byte of an
     * object's first granule is 1 while allocated, 2 while on a remote-free list, 0 otherwise (and
     * 0 on every other granule), so it also rejects offsets inside an object.
     */
    private freeAt;
    /**
     * Treiber push onto worker w's remote-free stack; the link lives in the freed object's first
     * word. The plain write of the link happens before the compareExchange that publishes the
     * object, so the owner, whose exchange reads that head, sees the link.
     *
     * ABA: a push only ever compares the head with the value it wrote into its own link, and
     * nobody pops single entries (the owner swaps the whole stack out). If the head went A -> B -> A
     * meanwhile, linking to A is still right: A is the current top. So ABA cannot corrupt the stack.
     */
    private pushRemote;
    /**
     * Takes this worker's whole remote-free stack with one exchange and frees each object. Called
     * when a size class runs out of room, before a page-level allocation and after each free, so
     * objects come back in batches and the stack's cache line is not pulled over on every alloc.
     * The first read is plain, only a hint (it returns some value a thread wrote): the stack is
     * taken with the exchange, and a push missed now is taken on a later call.
     */
    private reclaimRemoteFrees;
    /** Frees every object of a remote-free stack taken off its head (read each link first). */
    private reclaimStack;
    /**
     * Completes a remote free (objState 2) on the owner's side (or for the owner, when detach or
     * reclaim dismantles it under the lock). The object's page is normally the owner's; it is
     * orphaned only when a pusher read the owner before an earlier incarnation of this worker id
     * detached, and pushed after it re-attached.
     */
    private reclaimRemoteFree;
    /** Frees an object (objState 2) of an orphaned block under the shared lock. */
    private freeOrphan;
    /**
     * Returns an object to slab s of owner w (this worker, a worker whose lists we may touch under
     * the global lock, or ORPHAN under the shared lock). Slabs with room stay on the owner's class
     * list; an empty slab goes back to the owner's free pages unless it is the class's last slab.
     */
    private putBack;
    /** Slab s is empty: its page becomes a free page of its block; an empty block goes back. */
    private releaseSlab;
    /**
     * Gives empty block b back to the shared level. Its pages leave owner w's free-page list when
     * w is a worker (not when the block is an orphan or its owner is being dismantled).
     */
    private returnBlock;
    private allocLarge;
    private freeLarge;
    /**
     * Dismantles worker w's ownership in one critical section: close its remote list and reclaim
     * what was pushed, drop its slab and page lists, give back empty blocks, orphan the rest.
     */
    private releaseWorker;
    /** Takes the shared lock unless this instance already holds it; returns whether it took it. */
    private enter;
    private leave;
    private listPush;
    private listUnlink;
    private alignOf;
    private badSize;
    private detachedError;
}
