import { invalid } from '../core/errors.ts';
import { GRANULE } from './size-classes.ts';

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
export const MAGIC = 0x4b484550; // "KHEP"
export const VERSION = 1;

// Header words.
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_PAGE_SIZE = 2;
export const H_PAGES = 3;
export const H_MAX_WORKERS = 4;
export const H_BLOCK_PAGES = 5;
export const H_MODE = 6;
/** Two random words also written in the data buffer's tag (below): they pair meta with data. */
export const H_TAG = 7;

/**
 * The data buffer is `size` bytes of heap plus a 16-byte tag after them holding the header's tag
 * words, so that attach() refuses heap A's meta with heap B's data. No offset ever reaches it.
 */
export const TAG_BYTES = 16;

/**
 * Words per "line" of padding: 128 bytes, two 64-byte cache lines, because adjacent-line
 * prefetchers move lines in pairs and so make neighbours within 128 bytes share traffic.
 */
export const LINE = 32;

/** The shared lock word (see lock.ts), and its counters on the same line (written under it). */
export const LOCK = 32;
export const C_LOCK_ACQUIRED = 33;
export const C_LOCK_WAITED = 34;

// Counters of the page level, written only under the shared lock.
export const C_FREE_PAGES = 64;
export const C_BLOCKS_TAKEN = 65;
export const C_BLOCKS_RETURNED = 66;
export const C_ORPHAN_FREES = 67;
/** Parked blocks: empty blocks workers keep for reuse, on one list any locker may drain. */
export const C_IDLE_HEAD = 68;
export const C_IDLE_BLOCKS = 69;
/** Times a lock left by a dead worker was recovered (reclaim), and the shared state rebuilt. */
export const C_LOCK_RECOVERED = 70;

export const FREE_HEADS = 96; // 32 words: head page of the free list of each order, -1 if empty
export const FREE_COUNTS = 128; // 32 words: blocks on each list
export const MAX_ORDERS = 32;
const FIXED_WORDS = 160;

// Worker states (Atomics only).
export const WORKER_DETACHED = 0;
export const WORKER_ATTACHED = 1;

// Remote-free heads: the offset of the last pushed object, or one of these.
export const REMOTE_EMPTY = -1;
export const REMOTE_CLOSED = -2; // the owner has detached: free through the shared lock instead

/** Owner of the pages of a block whose worker detached (or was reclaimed) with live objects. */
export const ORPHAN = -2;

// Owner area fields after the per-class slab-list heads (owner-only plain words).
export const O_FREE_PAGES = 0; // head of the list of owned pages that are not slabs
export const O_ALLOCS = 1;
export const O_FREES = 2; // frees of own objects, local or reclaimed from the remote list
export const O_REMOTE_SENT = 3; // frees this worker pushed to another owner
export const O_BLOCKS = 4; // blocks this worker owns and carves (not parked)
export const O_EMPTY_BLOCKS = 5; // parked blocks of this worker (written under the shared lock)
// Crash records, so that reclaim() can finish what a worker killed mid-call was doing:
export const O_BATCH = 6; // the rest of the remote-free batch being completed (-1 when none)
export const O_BATCH_CUR = 7; // the object of that batch being completed right now
export const O_PUSHING = 8; // the object this worker is pushing to another owner's remote list
export const O_SUSPECT = 9; // an object a dead pusher may have left claimed but unpushed (atomic)
export const O_FIELDS = 10;

/**
 * Empty blocks a worker parks instead of returning them to the page level, so that a worker whose
 * live set swings finds a block of its own again. Parked blocks stay on one shared list under the
 * lock: when the page level cannot serve a request, every parked block goes back first (idle
 * empty blocks never make an allocation fail). detach() returns them.
 */
export const KEEP_EMPTY_BLOCKS = 4;

export type HeapMode = 'owned' | 'global-lock';
export const MODES: readonly HeapMode[] = ['owned', 'global-lock'];

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
  remote: number; // + worker * LINE
  owner: number; // + worker * ownerStride
  ownerStride: number;
  pages: number; // first page record, PAGE_WORDS words each
  words: number;
  metaBytes: number; // words * 4 + one state byte per granule
}

/**
 * A page's record: 16 words (one 64-byte cache line), so that everything the alloc and free
 * paths touch for a slab sits on one line, and a block of 16 pages is 1 KiB of records that no
 * other block's records share a (prefetched) line with.
 */
export const PAGE_WORDS = 16;
/** Links of whichever list the page is on (buddy free list, owner's free pages, slab list). */
export const P_NEXT = 0;
export const P_PREV = 1;
/** Buddy order of the block a head page starts. */
export const P_ORDER = 2;
/** Buddy state of a page: TAIL, FREE, LARGE or OWNED (page-buddy.ts). */
export const P_STATE = 3;
/** Head page of the owned block the page belongs to, -1 if none. */
export const P_BLOCK = 4;
/** Owner of a page of an owned block: a worker id or ORPHAN; -1 for other pages. */
export const P_OWNER = 5;
/** At an owned block's head page: how many of its pages are slabs. */
export const P_BLOCK_USED = 6;
/** Slab class of the page, -1 if the page is not a slab. */
export const P_CLASS = 7;
/** Slab free list: offset of the first free object, -1 if none. */
export const P_FREE = 8;
/** Slab bump index: objects [0, bump) have been handed out at least once. */
export const P_BUMP = 9;
/** Slab objects allocated or awaiting the owner (remote-freed). */
export const P_USED = 10;

const lineUp = (words: number): number => Math.ceil(words / LINE) * LINE;

export function layoutFor(p: HeapParams, classCount: number): Layout {
  const workerState = FIXED_WORDS;
  const remote = lineUp(workerState + p.maxWorkers);
  const owner = remote + p.maxWorkers * LINE;
  const ownerStride = lineUp(classCount + O_FIELDS);
  const pages = owner + p.maxWorkers * ownerStride;
  const words = pages + p.pages * PAGE_WORDS;
  const granules = (p.pages * p.pageSize) / GRANULE;
  return { workerState, remote, owner, ownerStride, pages, words, metaBytes: words * 4 + granules };
}

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

export function viewsOf(buffers: SharedHeapBuffers, params: HeapParams, layout: Layout): HeapViews {
  return {
    meta: new Int32Array(buffers.meta, 0, layout.words),
    page: new Int32Array(buffers.meta, layout.pages * 4, params.pages * PAGE_WORDS),
    objState: new Uint8Array(buffers.meta, layout.words * 4),
    data: new Uint8Array(buffers.data),
    data32: new Int32Array(buffers.data),
  };
}

/** Reads and validates the header of buffers made by SharedHeap.create (EINVAL otherwise). */
export function readHeader(buffers: unknown): HeapParams & { buffers: SharedHeapBuffers } {
  const b = buffers as Partial<SharedHeapBuffers> | null;
  if (b === null || typeof b !== 'object' || !(b.meta instanceof SharedArrayBuffer) || !(b.data instanceof SharedArrayBuffer)) {
    throw invalid('buffers', buffers, 'must be heap.buffers: { meta, data } SharedArrayBuffers');
  }
  if (b.meta.byteLength < FIXED_WORDS * 4) throw invalid('buffers.meta.byteLength', b.meta.byteLength, 'is too small for a heap header');
  const h = new Int32Array(b.meta, 0, LINE);
  if (h[H_MAGIC] !== MAGIC) throw invalid('buffers.meta', h[H_MAGIC], 'has no SharedHeap magic');
  if (h[H_VERSION] !== VERSION) throw invalid('buffers.meta version', h[H_VERSION], `must be ${VERSION}`);
  const params: HeapParams = {
    pageSize: h[H_PAGE_SIZE]!,
    pages: h[H_PAGES]!,
    maxWorkers: h[H_MAX_WORKERS]!,
    blockPages: h[H_BLOCK_PAGES]!,
    mode: MODES[h[H_MODE]!]!,
  };
  // A forged or damaged header must not reach the typed-array constructors.
  const pow2 = (n: number, min: number, max: number): boolean => n >= min && n <= max && (n & (n - 1)) === 0;
  const sane =
    pow2(params.pageSize, 256, 65536) &&
    params.pages >= 1 &&
    params.pages * params.pageSize <= 2 ** 31 &&
    params.maxWorkers >= 1 &&
    params.maxWorkers <= 4096 &&
    pow2(params.blockPages, 1, 1024) &&
    params.mode !== undefined;
  if (!sane) throw invalid('buffers.meta', 'its header', 'holds parameters no heap has (damaged or forged)');
  const dataBytes = params.pages * params.pageSize;
  if (b.data.byteLength !== dataBytes + TAG_BYTES) throw invalid('buffers.data.byteLength', b.data.byteLength, `must be ${dataBytes + TAG_BYTES} for this meta`);
  const tag = new Int32Array(b.data, dataBytes, 2);
  if (tag[0] !== h[H_TAG] || tag[1] !== h[H_TAG + 1]) throw invalid('buffers.data', 'its tag', 'belongs to another heap than buffers.meta');
  return { ...params, buffers: { meta: b.meta, data: b.data } };
}

/** Writes the random tag pairing a new heap's meta with its data buffer. */
export function writeTag(meta: Int32Array, data: SharedArrayBuffer, pages: number, pageSize: number): void {
  const tag = new Int32Array(data, pages * pageSize, 2);
  for (let i = 0; i < 2; i++) tag[i] = meta[H_TAG + i] = (Math.random() * 2 ** 32) | 0;
}

export function writeHeader(meta: Int32Array, p: HeapParams): void {
  meta[H_MAGIC] = MAGIC;
  meta[H_VERSION] = VERSION;
  meta[H_PAGE_SIZE] = p.pageSize;
  meta[H_PAGES] = p.pages;
  meta[H_MAX_WORKERS] = p.maxWorkers;
  meta[H_BLOCK_PAGES] = p.blockPages;
  meta[H_MODE] = MODES.indexOf(p.mode);
}
