import { ilog2, roundUpPow2 } from '../core/bits.ts';
import { KallocError, fault, invalid, invariant } from '../core/errors.ts';
import { isPowerOfTwo, requireExtent, requireInt, requireOptions, requirePowerOfTwo } from '../core/validate.ts';
import {
  C_BLOCKS_RETURNED,
  C_BLOCKS_TAKEN,
  C_LOCK_ACQUIRED,
  C_LOCK_WAITED,
  C_ORPHAN_FREES,
  LINE,
  LOCK,
  MODES,
  O_ALLOCS,
  O_BLOCKS,
  O_EMPTY_BLOCKS,
  KEEP_EMPTY_BLOCKS,
  O_FREES,
  O_FREE_PAGES,
  O_REMOTE_SENT,
  ORPHAN,
  PAGE_WORDS as W,
  P_BLOCK,
  P_BLOCK_USED,
  P_BUMP,
  P_CLASS,
  P_FREE,
  P_NEXT,
  P_ORDER,
  P_OWNER,
  P_PREV,
  P_STATE,
  P_USED,
  REMOTE_CLOSED,
  REMOTE_EMPTY,
  WORKER_ATTACHED,
  WORKER_DETACHED,
  layoutFor,
  readHeader,
  viewsOf,
  writeHeader,
  type HeapMode,
  type HeapParams,
  type HeapViews,
  type Layout,
  type SharedHeapBuffers,
} from './layout.ts';
import { lock, unlock } from './lock.ts';
import { LARGE, OWNED, PageBuddy } from './page-buddy.ts';
import { GRANULE_SHIFT, classFor, sizeClasses, type SizeClasses } from './size-classes.ts';
import type { HeapContext } from './context.ts';
import { checkHeap, heapStats, type SharedHeapStats } from './heap-check.ts';

export type { HeapMode, SharedHeapBuffers } from './layout.ts';
export type { SharedHeapStats } from './heap-check.ts';

/** The largest heap: offsets stay below 2^31 so they fit the Int32 free-list links. */
export const MAX_HEAP_SIZE = 2 ** 31;

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
export class SharedHeap {
  readonly buffers: SharedHeapBuffers;
  readonly worker: number;
  readonly size: number;
  readonly pageSize: number;
  readonly maxWorkers: number;
  readonly blockPages: number;
  readonly mode: HeapMode;

  private readonly ctx: HeapContext;
  private readonly buddy: PageBuddy;
  // Hot-path aliases of the views and the class table.
  private readonly meta: Int32Array;
  private readonly page: Int32Array; // page records (layout.ts: PAGE_WORDS, P_*)
  private readonly objState: Uint8Array;
  private readonly data32: Int32Array;
  private readonly sizes: Int32Array;
  private readonly perSlab: Int32Array;
  private readonly classes: SizeClasses;
  private readonly maxSmall: number;
  private readonly pageShift: number;
  private readonly blockOrder: number;
  private readonly classCount: number;
  private readonly ownerBase: number; // this worker's owner area
  private readonly remoteAt: number; // this worker's remote-free head
  private readonly globalLock: boolean;
  private attached = true;
  /** True while this instance holds the shared lock (so nested steps do not take it again). */
  private holding = false;

  /** Creates a heap in fresh SharedArrayBuffers; the calling thread becomes worker 0. */
  static create(options: SharedHeapOptions): SharedHeap {
    const o = requireOptions('options', options);
    const pageSize = o.pageSize === undefined ? 4096 : requirePowerOfTwo('pageSize', o.pageSize);
    if (pageSize < 256 || pageSize > 65536) throw invalid('pageSize', pageSize, 'must be in [256, 65536]');
    const size = requireExtent('size', o.size, true);
    if (size > MAX_HEAP_SIZE) throw invalid('size', size, 'must be at most 2^31');
    if (size % pageSize !== 0) throw invalid('size', size, `must be a multiple of pageSize (${pageSize})`);
    const maxWorkers = o.maxWorkers === undefined ? 64 : requireInt('maxWorkers', o.maxWorkers, 1, 4096);
    const blockPages = o.blockPages === undefined ? 16 : requirePowerOfTwo('blockPages', o.blockPages);
    if (blockPages > 1024) throw invalid('blockPages', blockPages, 'must be at most 1024');
    const mode = o.mode ?? 'owned';
    if (!MODES.includes(mode)) throw invalid('mode', mode, `must be one of ${MODES.join(', ')}`);

    const params: HeapParams = { pageSize, pages: size / pageSize, maxWorkers, blockPages, mode };
    const layout = layoutFor(params, sizeClasses(pageSize).sizes.length);
    const buffers = { meta: new SharedArrayBuffer(layout.metaBytes), data: new SharedArrayBuffer(size) };
    const views = viewsOf(buffers, params, layout);
    writeHeader(views.meta, params);
    new PageBuddy(views, params.pages).format();
    for (let p = 0; p < params.pages; p++) {
      for (const f of [P_BLOCK, P_OWNER, P_CLASS, P_FREE]) views.page[p * W + f] = -1;
    }
    for (let w = 0; w < maxWorkers; w++) views.meta[layout.remote + w * LINE] = REMOTE_EMPTY;
    return this.attach(buffers, { worker: 0 });
  }

  /**
   * Attaches this thread to a heap made by create() (in any thread), as worker `options.worker`.
   * Nothing is copied: the instance is typed-array views over `buffers`.
   */
  static attach(buffers: SharedHeapBuffers, options: HeapAttachOptions): SharedHeap {
    const header = readHeader(buffers);
    const o = requireOptions('options', options);
    const worker = requireInt('worker', o.worker, 0, header.maxWorkers - 1);
    const layout = layoutFor(header, sizeClasses(header.pageSize).sizes.length);
    if (header.buffers.meta.byteLength !== layout.metaBytes || header.buffers.data.byteLength !== header.pages * header.pageSize) {
      throw invalid('buffers', buffers, 'sizes do not match the heap header');
    }
    const meta = new Int32Array(header.buffers.meta, 0, layout.words);
    if (Atomics.compareExchange(meta, layout.workerState + worker, WORKER_DETACHED, WORKER_ATTACHED) !== WORKER_DETACHED) {
      throw new KallocError('EBUSY', `worker = ${worker}: already attached to this heap`);
    }
    // `this`, not the class's own name: a bundler keeps a self-referencing class under an inner
    // name (`class _SharedHeap`), and that would become its .name in dist/.
    return new this(header.buffers, header, layout, worker);
  }

  private constructor(buffers: SharedHeapBuffers, params: HeapParams, layout: Layout, worker: number) {
    this.buffers = buffers;
    this.worker = worker;
    this.pageSize = params.pageSize;
    this.size = params.pages * params.pageSize;
    this.maxWorkers = params.maxWorkers;
    this.blockPages = params.blockPages;
    this.mode = params.mode;
    const views = viewsOf(buffers, params, layout);
    this.classes = sizeClasses(params.pageSize);
    this.buddy = new PageBuddy(views, params.pages);
    this.ctx = { params, layout, classes: this.classes, views, buddy: this.buddy };
    ({ meta: this.meta, page: this.page, objState: this.objState, data32: this.data32 } = views);
    this.sizes = this.classes.sizes;
    this.perSlab = this.classes.perSlab;
    this.maxSmall = this.classes.maxSmall;
    this.classCount = this.sizes.length;
    this.pageShift = ilog2(params.pageSize);
    this.blockOrder = ilog2(params.blockPages);
    this.globalLock = params.mode === 'global-lock';
    this.ownerBase = layout.owner + worker * layout.ownerStride;
    this.remoteAt = layout.remote + worker * LINE;
    // A fresh owner area: no slabs, no pages. The remote head reopens last: from here on other
    // threads may push to it (only stale pushes can arrive before we own anything; see
    // reclaimRemoteFree).
    this.meta.fill(-1, this.ownerBase, this.ownerBase + this.classCount + 1);
    this.meta.fill(0, this.ownerBase + this.classCount + 1, this.ownerBase + layout.ownerStride);
    Atomics.store(this.meta, this.remoteAt, REMOTE_EMPTY);
  }

  /**
   * Allocates `size` bytes; returns the offset into `buffers.data`, or undefined when the heap
   * has no room. Sizes up to pageSize / 2 come from this worker's slabs (usable size: the size
   * class, see sizeOf); larger ones are 2^k whole pages from the shared level.
   */
  alloc(size: number, options?: HeapAllocOptions): number | undefined {
    if (!(size >= 1 && size <= this.size && Math.floor(size) === size)) throw this.badSize(size);
    const align = options === undefined ? 1 : this.alignOf(options);
    if (!this.attached) throw this.detachedError();
    const took = this.globalLock && this.enter();
    let offset: number;
    if (size <= this.maxSmall && align <= this.maxSmall) {
      offset = this.allocSmall(classFor(this.classes, size, align));
    } else {
      this.reclaimRemoteFrees();
      offset = this.allocLarge(size, align);
    }
    this.leave(took);
    return offset < 0 ? undefined : offset;
  }

  /** Frees an allocation of this heap, from any attached thread. */
  free(offset: number): void {
    if (typeof offset !== 'number' || !Number.isInteger(offset)) throw invalid('offset', offset, 'must be an integer');
    if (!this.attached) throw this.detachedError();
    if (offset < 0 || offset >= this.size) throw fault(`offset = ${offset}: outside this heap [0, ${this.size})`);
    const took = this.globalLock && this.enter();
    const ok = this.freeAt(offset, offset >>> this.pageShift);
    // Reclaim remote frees only after a good free, so a rejected call changes nothing.
    if (ok) this.reclaimRemoteFrees();
    this.leave(took);
    if (!ok) throw fault(`offset = ${offset}: not an allocated block of this heap (never allocated, or freed twice)`);
  }

  /** The usable size of the allocation at `offset`, or undefined if none starts there. */
  sizeOf(offset: number): number | undefined {
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset >= this.size) return undefined;
    const p = offset >>> this.pageShift;
    const c = this.page[p * W + P_CLASS]!;
    if (c >= 0) return this.objState[offset >>> GRANULE_SHIFT] === 1 ? this.sizes[c]! : undefined;
    if (this.page[p * W + P_STATE] === LARGE && offset === p * this.pageSize) return this.pageSize * 2 ** this.page[p * W + P_ORDER]!;
    return undefined;
  }

  /** A Uint8Array view of an allocation (no copy): `length` bytes, default its usable size. */
  bytes(offset: number, length?: number): Uint8Array {
    const usable = this.sizeOf(offset);
    if (usable === undefined) throw fault(`offset = ${String(offset)}: not an allocated block of this heap`);
    const n = length === undefined ? usable : requireInt('length', length, 0, usable);
    return new Uint8Array(this.buffers.data, offset, n);
  }

  /**
   * Hands this worker's blocks back: reclaims pending remote frees, returns empty blocks to the
   * shared level and orphans blocks that still hold live objects. Those objects stay valid; when
   * they are freed (by anyone) they go back through the shared lock. The id becomes free to attach.
   */
  detach(): void {
    if (!this.attached) throw this.detachedError();
    this.releaseWorker(this.worker);
    this.attached = false;
  }

  /**
   * detach() on behalf of worker `id`, which exited or died without detaching. It must not be
   * running: a worker killed inside a heap call may leave its own lists torn (check() reports it),
   * and one killed while holding the shared lock leaves it held.
   */
  reclaim(id: number): void {
    const w = requireInt('id', id, 0, this.maxWorkers - 1);
    if (w === this.worker) throw invalid('id', id, 'is this instance; use detach()');
    if (Atomics.load(this.meta, this.ctx.layout.workerState + w) !== WORKER_ATTACHED) throw invalid('id', id, 'is not attached');
    if (!this.attached) throw this.detachedError();
    this.releaseWorker(w);
  }

  /**
   * Verifies every invariant (ECORRUPT if broken): blocks tile the pages, free lists exact and
   * merged, no object lost, leaked or on two lists, every remote free accounted for, counts exact.
   * Call it only when no other thread is inside a heap call (it reads without locks).
   */
  check(): void {
    checkHeap(this.ctx);
  }

  /** A snapshot of the heap's state and counters (exact when no other thread is mutating). */
  stats(): SharedHeapStats {
    return heapStats(this.ctx, this.worker);
  }

  // ---- small objects: this worker's slabs -------------------------------------------------

  private allocSmall(c: number): number {
    const headAt = this.ownerBase + c;
    let s = this.meta[headAt]!;
    if (s < 0) {
      // Out of room in this class: take back what others freed first (a batch, usually).
      this.reclaimRemoteFrees();
      s = this.meta[headAt]!;
      if (s < 0) s = this.newSlab(c);
      if (s < 0) return -1;
    }
    // The slab list holds only slabs with room: reuse a freed object, else carve the next one.
    const page = this.page;
    const r = s * W;
    let off = page[r + P_FREE]!;
    if (off >= 0) page[r + P_FREE] = this.data32[off >> 2]!;
    else off = s * this.pageSize + page[r + P_BUMP]!++ * this.sizes[c]!;
    this.objState[off >>> GRANULE_SHIFT] = 1;
    if (++page[r + P_USED]! === this.perSlab[c]) this.listUnlink(headAt, s);
    this.meta[this.ownerBase + this.classCount + O_ALLOCS]!++;
    return off;
  }

  /** Turns one of this worker's free pages into a slab of class c, taking a block if needed. */
  private newSlab(c: number): number {
    const pagesAt = this.ownerBase + this.classCount + O_FREE_PAGES;
    if (this.meta[pagesAt]! < 0 && !this.takeBlock()) return -1;
    const p = this.meta[pagesAt]!;
    this.listUnlink(pagesAt, p);
    const page = this.page;
    const r = p * W;
    page[r + P_CLASS] = c;
    page[r + P_FREE] = -1;
    page[r + P_BUMP] = 0;
    page[r + P_USED] = 0;
    if (page[page[r + P_BLOCK]! * W + P_BLOCK_USED]!++ === 0) this.meta[this.ownerBase + this.classCount + O_EMPTY_BLOCKS]!--;
    this.listPush(this.ownerBase + c, p);
    return p;
  }

  /**
   * Takes a block of blockPages pages (or, when the heap is that fragmented, the largest smaller
   * one) from the shared level. The owner fields are written under the lock; any thread that
   * later receives an offset in this block got it through some synchronisation after our unlock,
   * so it sees them.
   */
  private takeBlock(): boolean {
    const took = this.enter();
    let p = -1;
    for (let k = this.blockOrder; k >= 0 && p < 0; k--) p = this.buddy.alloc(k);
    if (p >= 0) {
      this.page[p * W + P_STATE] = OWNED;
      this.page[p * W + P_BLOCK_USED] = 0;
      const pagesAt = this.ownerBase + this.classCount + O_FREE_PAGES;
      for (let q = p + (1 << this.page[p * W + P_ORDER]!) - 1; q >= p; q--) {
        this.page[q * W + P_BLOCK] = p;
        this.page[q * W + P_OWNER] = this.worker;
        this.listPush(pagesAt, q);
      }
      this.meta[C_BLOCKS_TAKEN]!++;
      this.meta[this.ownerBase + this.classCount + O_BLOCKS]!++;
      this.meta[this.ownerBase + this.classCount + O_EMPTY_BLOCKS]!++;
    }
    this.leave(took);
    return p >= 0;
  }

  /**
   * Frees a slab or large object; false when `offset` is not allocated. The objState byte of an
   * object's first granule is 1 while allocated, 2 while on a remote-free list, 0 otherwise (and
   * 0 on every other granule), so it also rejects offsets inside an object.
   */
  private freeAt(offset: number, p: number): boolean {
    const c = this.page[p * W + P_CLASS]!;
    if (c < 0) return this.freeLarge(offset, p);
    const w = this.page[p * W + P_OWNER]!;
    const g = offset >>> GRANULE_SHIFT;
    // Our own slab (we are its only writer), or global-lock mode (the lock serialises everyone).
    if (w === this.worker || this.holding) {
      if (this.objState[g] !== 1) return false;
      this.objState[g] = 0;
      this.putBack(w, p, offset);
      return true;
    }
    // Another owner's object. Claim the free first, so two frees of one object cannot both win.
    if (Atomics.compareExchange(this.objState, g, 1, 2) !== 1) return false;
    this.meta[this.ownerBase + this.classCount + O_REMOTE_SENT]!++;
    if (w >= 0 && this.pushRemote(w, offset)) return true;
    this.freeOrphan(offset, p); // the owner has detached
    return true;
  }

  /**
   * Treiber push onto worker w's remote-free stack; the link lives in the freed object's first
   * word. The plain write of the link happens before the compareExchange that publishes the
   * object, so the owner, whose exchange reads that head, sees the link.
   *
   * ABA: a push only ever compares the head with the value it wrote into its own link, and
   * nobody pops single entries (the owner swaps the whole stack out). If the head went A -> B -> A
   * meanwhile, linking to A is still right: A is the current top. So ABA cannot corrupt the stack.
   */
  private pushRemote(w: number, offset: number): boolean {
    const at = this.ctx.layout.remote + w * LINE;
    for (;;) {
      const head = Atomics.load(this.meta, at);
      if (head === REMOTE_CLOSED) return false;
      this.data32[offset >> 2] = head;
      if (Atomics.compareExchange(this.meta, at, head, offset) === head) return true;
    }
  }

  /**
   * Takes this worker's whole remote-free stack with one exchange and frees each object. Called
   * when a size class runs out of room, before a page-level allocation and after each free, so
   * objects come back in batches and the stack's cache line is not pulled over on every alloc.
   * The first read is plain, only a hint (it returns some value a thread wrote): the stack is
   * taken with the exchange, and a push missed now is taken on a later call.
   */
  private reclaimRemoteFrees(): void {
    if (this.meta[this.remoteAt] === REMOTE_EMPTY) return;
    this.reclaimStack(Atomics.exchange(this.meta, this.remoteAt, REMOTE_EMPTY));
  }

  /** Frees every object of a remote-free stack taken off its head (read each link first). */
  private reclaimStack(head: number): void {
    for (let off = head; off >= 0; ) {
      const following = this.data32[off >> 2]!;
      this.reclaimRemoteFree(off);
      off = following;
    }
  }

  /**
   * Completes a remote free (objState 2) on the owner's side (or for the owner, when detach or
   * reclaim dismantles it under the lock). The object's page is normally the owner's; it is
   * orphaned only when a pusher read the owner before an earlier incarnation of this worker id
   * detached, and pushed after it re-attached.
   */
  private reclaimRemoteFree(off: number): void {
    const p = off >>> this.pageShift;
    const w = this.page[p * W + P_OWNER]!;
    if (w === ORPHAN) return this.freeOrphan(off, p);
    this.objState[off >>> GRANULE_SHIFT] = 0;
    this.putBack(w, p, off);
  }

  /** Frees an object (objState 2) of an orphaned block under the shared lock. */
  private freeOrphan(offset: number, p: number): void {
    const took = this.enter();
    // Detach closes the remote list and orphans the blocks in one critical section, so once we
    // hold the lock a block we could not push to is an orphan.
    invariant(this.page[p * W + P_OWNER] === ORPHAN, () => `offset ${offset}: its owner ${this.page[p * W + P_OWNER]} closed its remote list but still owns it`);
    this.objState[offset >>> GRANULE_SHIFT] = 0;
    this.putBack(ORPHAN, p, offset);
    this.meta[C_ORPHAN_FREES]!++;
    this.leave(took);
  }

  /**
   * Returns an object to slab s of owner w (this worker, a worker whose lists we may touch under
   * the global lock, or ORPHAN under the shared lock). Slabs with room stay on the owner's class
   * list; an empty slab goes back to the owner's free pages unless it is the class's last slab.
   */
  private putBack(w: number, s: number, off: number): void {
    const page = this.page;
    const r = s * W;
    this.data32[off >> 2] = page[r + P_FREE]!;
    page[r + P_FREE] = off;
    const used = --page[r + P_USED]!;
    if (w === ORPHAN) {
      if (used === 0) this.releaseSlab(ORPHAN, s);
      return;
    }
    const area = this.ctx.layout.owner + w * this.ctx.layout.ownerStride;
    this.meta[area + this.classCount + O_FREES]!++;
    const c = page[r + P_CLASS]!;
    if (used === this.perSlab[c]! - 1) {
      this.listPush(area + c, s); // was full, has room again
    } else if (used === 0 && (this.meta[area + c] !== s || page[r + P_NEXT]! >= 0)) {
      this.listUnlink(area + c, s);
      this.releaseSlab(w, s);
    }
  }

  /** Slab s is empty: its page becomes a free page of its block; an empty block goes back. */
  private releaseSlab(w: number, s: number): void {
    this.page[s * W + P_CLASS] = -1;
    const b = this.page[s * W + P_BLOCK]!;
    const used = --this.page[b * W + P_BLOCK_USED]!;
    if (w === ORPHAN) {
      if (used === 0) this.returnBlock(b, ORPHAN); // we hold the shared lock here
      return;
    }
    const area = this.ctx.layout.owner + w * this.ctx.layout.ownerStride;
    this.listPush(area + this.classCount + O_FREE_PAGES, s);
    if (used === 0 && ++this.meta[area + this.classCount + O_EMPTY_BLOCKS]! > KEEP_EMPTY_BLOCKS) this.returnBlock(b, w);
  }

  /**
   * Gives empty block b back to the shared level. Its pages leave owner w's free-page list when
   * w is a worker (not when the block is an orphan or its owner is being dismantled).
   */
  private returnBlock(b: number, w: number): void {
    const area = this.ctx.layout.owner + w * this.ctx.layout.ownerStride;
    for (let q = b + (1 << this.page[b * W + P_ORDER]!) - 1; q >= b; q--) {
      if (w >= 0) this.listUnlink(area + this.classCount + O_FREE_PAGES, q);
      this.page[q * W + P_BLOCK] = -1;
      this.page[q * W + P_OWNER] = -1;
    }
    if (w >= 0) {
      this.meta[area + this.classCount + O_BLOCKS]!--;
      this.meta[area + this.classCount + O_EMPTY_BLOCKS]!--;
    }
    const took = this.enter();
    this.buddy.free(b);
    this.meta[C_BLOCKS_RETURNED]!++;
    this.leave(took);
  }

  // ---- large objects: whole blocks of the shared level ------------------------------------

  private allocLarge(size: number, align: number): number {
    const pages = Math.ceil(Math.max(size, align) / this.pageSize);
    const k = ilog2(roundUpPow2(pages));
    if (k > this.buddy.maxOrder) return -1;
    const took = this.enter();
    const p = this.buddy.alloc(k);
    if (p >= 0) this.page[p * W + P_STATE] = LARGE;
    this.leave(took);
    return p < 0 ? -1 : p * this.pageSize;
  }

  private freeLarge(offset: number, p: number): boolean {
    const took = this.enter();
    const ok = this.page[p * W + P_STATE] === LARGE && offset === p * this.pageSize && this.page[p * W + P_CLASS] === -1;
    if (ok) this.buddy.free(p);
    this.leave(took);
    return ok;
  }

  // ---- detach / reclaim ------------------------------------------------------------------

  /**
   * Dismantles worker w's ownership in one critical section: close its remote list and reclaim
   * what was pushed, drop its slab and page lists, give back empty blocks, orphan the rest.
   */
  private releaseWorker(w: number): void {
    const { layout } = this.ctx;
    const area = layout.owner + w * layout.ownerStride;
    const took = this.enter();
    this.reclaimStack(Atomics.exchange(this.meta, layout.remote + w * LINE, REMOTE_CLOSED));
    for (let at = area; at <= area + this.classCount; at++) {
      for (let s = this.meta[at]!; s >= 0; ) {
        const following = this.page[s * W + P_NEXT]!;
        this.page[s * W + P_NEXT] = this.page[s * W + P_PREV] = -1;
        if (at < area + this.classCount && this.page[s * W + P_USED] === 0) {
          this.page[s * W + P_CLASS] = -1;
          this.page[this.page[s * W + P_BLOCK]! * W + P_BLOCK_USED]!--;
        }
        s = following;
      }
      this.meta[at] = -1;
    }
    const blocks: number[] = [];
    for (let p = 0; p < this.buddy.pages; p += 1 << this.page[p * W + P_ORDER]!) {
      if (this.page[p * W + P_STATE] === OWNED && this.page[p * W + P_OWNER] === w) blocks.push(p);
    }
    for (const b of blocks) {
      if (this.page[b * W + P_BLOCK_USED] === 0) this.returnBlock(b, ORPHAN);
      else for (let q = b; q < b + (1 << this.page[b * W + P_ORDER]!); q++) this.page[q * W + P_OWNER] = ORPHAN;
    }
    this.meta[area + this.classCount + O_BLOCKS] = 0;
    this.meta[area + this.classCount + O_EMPTY_BLOCKS] = 0;
    Atomics.store(this.meta, layout.workerState + w, WORKER_DETACHED);
    this.leave(took);
  }

  // ---- the shared lock and the intrusive page lists --------------------------------------

  /** Takes the shared lock unless this instance already holds it; returns whether it took it. */
  private enter(): boolean {
    if (this.holding) return false;
    const waited = lock(this.meta, LOCK);
    this.holding = true;
    this.meta[C_LOCK_ACQUIRED]!++;
    if (waited) this.meta[C_LOCK_WAITED]!++;
    return true;
  }

  private leave(took: boolean): void {
    if (!took) return;
    this.holding = false;
    unlock(this.meta, LOCK);
  }

  private listPush(headAt: number, p: number): void {
    const head = this.meta[headAt]!;
    this.page[p * W + P_PREV] = -1;
    this.page[p * W + P_NEXT] = head;
    if (head >= 0) this.page[head * W + P_PREV] = p;
    this.meta[headAt] = p;
  }

  private listUnlink(headAt: number, p: number): void {
    const n = this.page[p * W + P_NEXT]!;
    const q = this.page[p * W + P_PREV]!;
    if (q >= 0) this.page[q * W + P_NEXT] = n;
    else this.meta[headAt] = n;
    if (n >= 0) this.page[n * W + P_PREV] = q;
    this.page[p * W + P_NEXT] = this.page[p * W + P_PREV] = -1;
  }

  // ---- argument checks -------------------------------------------------------------------

  private alignOf(options: HeapAllocOptions): number {
    const o = requireOptions('options', options);
    if (o.align === undefined) return 1;
    if (!isPowerOfTwo(o.align as number) || (o.align as number) > this.size) {
      throw invalid('align', o.align, `must be a power of two <= the heap size (${this.size})`);
    }
    return o.align;
  }

  private badSize(size: unknown): KallocError {
    if (typeof size !== 'number' || !Number.isInteger(size)) return invalid('size', size, 'must be an integer');
    return invalid('size', size, `must be in [1, ${this.size}] (the heap size)`);
  }

  private detachedError(): KallocError {
    return invalid('heap', `worker ${this.worker}`, 'is detached from its buffers');
  }
}
