/**
 * Where every piece of SharedHeap state lives. Two SharedArrayBuffers, nothing else:
 *
 *   data  the heap itself; offsets handed out by alloc() index it (and freed objects carry the
 *         owner's free-list links in their first 4 bytes, as in mimalloc).
 *   meta  Int32 words, then one state byte per 16-byte granule of data:
 *
 *   +--------+------+----------+-------------+---------------+--------------+-------------+--------+
 *   | header | lock | counters | free lists  | worker states | remote heads | owner areas | pages  |
 *   | 32 w   | 32 w | 32 w     | 2 x 32 w    | maxWorkers w  | 32 w/worker  | per worker  | 16 w/p |
 *   +--------+------+----------+-------------+---------------+--------------+-------------+--------+
 *   ... then objState: Uint8 per granule (1 = allocated, 2 = freed remotely, not yet reclaimed).
 *
 * The header records the parameters; attach() recomputes this layout from them, so both sides
 * agree without pointers. Words another thread writes concurrently (the lock, each remote-free
 * head) sit alone in 128-byte lines (LINE); each owner area starts on its own line, so owners
 * never share a cache line (or a prefetched pair of lines) with each other.
 */
export declare const MAGIC = 1263027536;
export declare const VERSION = 1;
export declare const H_MAGIC = 0;
export declare const H_VERSION = 1;
export declare const H_PAGE_SIZE = 2;
export declare const H_PAGES = 3;
export declare const H_MAX_WORKERS = 4;
export declare const H_BLOCK_PAGES = 5;
export declare const H_MODE = 6;
/**
 * Words per "line" of padding: 128 bytes, two 64-byte cache lines, because adjacent-line
 * prefetchers move lines in pairs and so make neighbours within 128 bytes share traffic.
 */
export declare const LINE = 32;
/** The shared lock word (see lock.ts), and its counters on the same line (written under it). */
export declare const LOCK = 32;
export declare const C_LOCK_ACQUIRED = 33;
export declare const C_LOCK_WAITED = 34;
export declare const C_FREE_PAGES = 64;
export declare const C_BLOCKS_TAKEN = 65;
export declare const C_BLOCKS_RETURNED = 66;
export declare const C_ORPHAN_FREES = 67;
export declare const FREE_HEADS = 96;
export declare const FREE_COUNTS = 128;
export declare const MAX_ORDERS = 32;
export declare const WORKER_DETACHED = 0;
export declare const WORKER_ATTACHED = 1;
export declare const REMOTE_EMPTY = -1;
export declare const REMOTE_CLOSED = -2;
/** Owner of the pages of a block whose worker detached (or was reclaimed) with live objects. */
export declare const ORPHAN = -2;
export declare const O_FREE_PAGES = 0;
export declare const O_ALLOCS = 1;
export declare const O_FREES = 2;
export declare const O_REMOTE_SENT = 3;
export declare const O_BLOCKS = 4;
export declare const O_EMPTY_BLOCKS = 5;
export declare const O_FIELDS = 6;
/**
 * Empty blocks a worker keeps instead of returning them to the shared level at once, so that a
 * worker whose live set swings (a producer whose objects come back in bursts) does not take and
 * return blocks under the lock all the time. detach() returns them.
 */
export declare const KEEP_EMPTY_BLOCKS = 4;
export type HeapMode = 'owned' | 'global-lock';
export declare const MODES: readonly HeapMode[];
export interface HeapParams {
    pageSize: number;
    pages: number;
    maxWorkers: number;
    blockPages: number;
    mode: HeapMode;
}
/** Word indices of each section. */
export interface Layout {
    workerState: number;
    remote: number;
    owner: number;
    ownerStride: number;
    pages: number;
    words: number;
    metaBytes: number;
}
/**
 * A page's record: 16 words (one 64-byte cache line), so that everything the alloc and free
 * paths touch for a slab sits on one line, and a block of 16 pages is 1 KiB of records that no
 * other block's records share a (prefetched) line with.
 */
export declare const PAGE_WORDS = 16;
/** Links of whichever list the page is on (buddy free list, owner's free pages, slab list). */
export declare const P_NEXT = 0;
export declare const P_PREV = 1;
/** Buddy order of the block a head page starts. */
export declare const P_ORDER = 2;
/** Buddy state of a page: TAIL, FREE, LARGE or OWNED (page-buddy.ts). */
export declare const P_STATE = 3;
/** Head page of the owned block the page belongs to, -1 if none. */
export declare const P_BLOCK = 4;
/** Owner of a page of an owned block: a worker id or ORPHAN; -1 for other pages. */
export declare const P_OWNER = 5;
/** At an owned block's head page: how many of its pages are slabs. */
export declare const P_BLOCK_USED = 6;
/** Slab class of the page, -1 if the page is not a slab. */
export declare const P_CLASS = 7;
/** Slab free list: offset of the first free object, -1 if none. */
export declare const P_FREE = 8;
/** Slab bump index: objects [0, bump) have been handed out at least once. */
export declare const P_BUMP = 9;
/** Slab objects allocated or awaiting the owner (remote-freed). */
export declare const P_USED = 10;
export declare function layoutFor(p: HeapParams, classCount: number): Layout;
/** Every typed-array view over the two buffers; built the same way on every thread. */
export interface HeapViews {
    meta: Int32Array;
    /** Page records: page p's field F is page[p * PAGE_WORDS + F]. */
    page: Int32Array;
    objState: Uint8Array;
    data: Uint8Array;
    data32: Int32Array;
}
export interface SharedHeapBuffers {
    readonly meta: SharedArrayBuffer;
    readonly data: SharedArrayBuffer;
}
export declare function viewsOf(buffers: SharedHeapBuffers, params: HeapParams, layout: Layout): HeapViews;
/** Reads and validates the header of buffers made by SharedHeap.create (EINVAL otherwise). */
export declare function readHeader(buffers: unknown): HeapParams & {
    buffers: SharedHeapBuffers;
};
export declare function writeHeader(meta: Int32Array, p: HeapParams): void;
