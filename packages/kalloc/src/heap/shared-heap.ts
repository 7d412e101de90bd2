import { ilog2, roundUpPow2 } from '../core/bits.ts';
import { KallocError, fault, invalid, invariant } from '../core/errors.ts';
import { isPowerOfTwo, requireExtent, requireInt, requireOptions, requirePowerOfTwo } from '../core/validate.ts';
import {
  C_BLOCKS_RETURNED,
  C_BLOCKS_TAKEN,
  C_IDLE_BLOCKS,
  C_IDLE_HEAD,
  C_LOCK_ACQUIRED,
  C_LOCK_RECOVERED,
  C_LOCK_WAITED,
  C_ORPHAN_FREES,
  LINE,
  LOCK,
  MODES,
  O_ALLOCS,
  O_BATCH,
  O_BATCH_CUR,
  O_BLOCKS,
  O_EMPTY_BLOCKS,
  KEEP_EMPTY_BLOCKS,
  O_FREES,
  O_FREE_PAGES,
  O_PUSHING,
  O_REMOTE_SENT,
  O_SUSPECT,
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
  TAG_BYTES,
  WORKER_ATTACHED,
  WORKER_DETACHED,
  layoutFor,
  readHeader,
  viewsOf,
  writeHeader,
  writeTag,
  type HeapMode,
  type HeapParams,
  type HeapViews,
  type Layout,
  type SharedHeapBuffers,
} from './layout.ts';
import { lock, takeOver, unlock } from './lock.ts';
import { LARGE, OWNED, PARKED, PageBuddy, TAIL } from './page-buddy.ts';
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

const CREATE_OPTIONS = ['size', 'pageSize', 'maxWorkers', 'blockPages', 'mode'];
const ATTACH_OPTIONS = ['worker'];
const ALLOC_OPTIONS = ['align'];

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
    const o = requireOptions('options', options, CREATE_OPTIONS);
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
    const buffers = { meta: new SharedArrayBuffer(layout.metaBytes), data: new SharedArrayBuffer(size + TAG_BYTES) };
    const views = viewsOf(buffers, params, layout);
    writeHeader(views.meta, params);
    writeTag(views.meta, buffers.data, params.pages, pageSize);
    views.meta[C_IDLE_HEAD] = -1;
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
    const o = requireOptions('options', options, ATTACH_OPTIONS);
    const worker = requireInt('worker', o.worker, 0, header.maxWorkers - 1);
    const layout = layoutFor(header, sizeClasses(header.pageSize).sizes.length);
    if (header.buffers.meta.byteLength !== layout.metaBytes) throw invalid('buffers', buffers, 'sizes do not match the heap header');
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
    this.meta.fill(-1, this.ownerBase + this.classCount + O_BATCH, this.ownerBase + this.classCount + O_SUSPECT + 1);
    Atomics.store(this.meta, this.remoteAt, REMOTE_EMPTY);
  }

  /**
   * Allocates `size` bytes; returns the offset into `buffers.data`, or undefined when the heap
   * has no room. Sizes up to pageSize / 2 come from this worker's slabs (usable size: the size
   * class, see sizeOf); larger ones are 2^k whole pages from the shared level.
   */
  alloc(size: number, options?: HeapAllocOptions): number | undefined {
    if (typeof size !== 'number' || !(size >= 1 && size <= this.size && Math.floor(size) === size)) throw this.badSize(size);
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
    if (c >= 0) return this.isObjectStart(offset, p, c) && this.objState[offset >>> GRANULE_SHIFT] === 1 ? this.sizes[c]! : undefined;
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
    this.releaseWorker(this.worker, false);
    this.attached = false;
  }

  /**
   * detach() on behalf of worker `id`, which exited or was terminated without detaching; it must
   * not be running any more. If it died holding the shared lock, the lock is taken over and
   * everything it protects is rebuilt from the page and object states; if it died inside any
   * other heap call, its half-done work is finished or undone (see docs/shared-heap.md: its live
   * objects become orphans, valid until someone frees them).
   */
  reclaim(id: number): void {
    const w = requireInt('id', id, 0, this.maxWorkers - 1);
    if (w === this.worker) throw invalid('id', id, 'is this instance; use detach()');
    if (Atomics.load(this.meta, this.ctx.layout.workerState + w) !== WORKER_ATTACHED) throw invalid('id', id, 'is not attached');
    if (!this.attached) throw this.detachedError();
    const recovered = takeOver(this.meta, LOCK, w, this.worker);
    if (recovered) {
      this.holding = true;
      this.meta[C_LOCK_RECOVERED]!++;
      this.repairShared();
    }
    this.releaseWorker(w, true);
    this.leave(recovered);
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
    page[r + P_FREE] = -1;
    page[r + P_BUMP] = 0;
    page[r + P_USED] = 0;
    page[r + P_CLASS] = c;
    page[page[r + P_BLOCK]! * W + P_BLOCK_USED]!++;
    this.listPush(this.ownerBase + c, p);
    return p;
  }

  /**
   * Takes a block for this worker under the lock: one it parked, else blockPages pages from the
   * page level, else (when the page level cannot) every parked block goes back first, and only
   * then a smaller block. The owner fields are written under the lock, the head's first (so a
   * worker killed half way leaves a block reclaim can find); any thread that later receives an
   * offset in this block got it through some synchronisation after our unlock, so it sees them.
   */
  private takeBlock(): boolean {
    const took = this.enter();
    const own = this.unparkOwn();
    let p = own >= 0 ? own : this.buddy.alloc(this.blockOrder);
    if (p < 0 && this.returnParked()) p = this.buddy.alloc(this.blockOrder);
    for (let k = this.blockOrder - 1; k >= 0 && p < 0; k--) p = this.buddy.alloc(k);
    if (p >= 0) {
      const end = p + (1 << this.page[p * W + P_ORDER]!);
      this.page[p * W + P_OWNER] = this.worker;
      this.page[p * W + P_STATE] = OWNED;
      this.page[p * W + P_BLOCK_USED] = 0;
      const pagesAt = this.ownerBase + this.classCount + O_FREE_PAGES;
      for (let q = end - 1; q >= p; q--) {
        this.page[q * W + P_BLOCK] = p;
        this.page[q * W + P_OWNER] = this.worker;
        this.listPush(pagesAt, q);
      }
      if (own < 0) this.meta[C_BLOCKS_TAKEN]!++;
      this.meta[this.ownerBase + this.classCount + O_BLOCKS]!++;
    }
    this.leave(took);
    return p >= 0;
  }

  /** Under the lock: takes one of this worker's parked blocks off the parked list, or -1. */
  private unparkOwn(): number {
    if (this.meta[this.ownerBase + this.classCount + O_EMPTY_BLOCKS] === 0) return -1;
    let b = this.meta[C_IDLE_HEAD]!;
    while (b >= 0 && this.page[b * W + P_OWNER] !== this.worker) b = this.page[b * W + P_NEXT]!;
    if (b < 0) return -1;
    this.unpark(b, this.worker);
    return b;
  }

  /** Under the lock: block b leaves the parked list (and owner w's parked count). */
  private unpark(b: number, w: number): void {
    this.listUnlink(C_IDLE_HEAD, b);
    this.meta[C_IDLE_BLOCKS]!--;
    this.meta[this.ctx.layout.owner + w * this.ctx.layout.ownerStride + this.classCount + O_EMPTY_BLOCKS]!--;
    this.page[b * W + P_STATE] = OWNED;
  }

  /** Under the lock: every parked block goes back to the page level; false when none was parked. */
  private returnParked(): boolean {
    if (this.meta[C_IDLE_HEAD]! < 0) return false;
    while (this.meta[C_IDLE_HEAD]! >= 0) {
      const b = this.meta[C_IDLE_HEAD]!;
      this.unpark(b, this.page[b * W + P_OWNER]!);
      this.returnBlock(b);
    }
    return true;
  }

  /**
   * Frees a slab or large object; false when `offset` is not allocated. The objState byte of an
   * object's first granule is 1 while allocated, 2 while on a remote-free list, 0 otherwise (and
   * 0 on every other granule); an offset inside an object's first granule is refused by its
   * position in the slab.
   */
  private freeAt(offset: number, p: number): boolean {
    const c = this.page[p * W + P_CLASS]!;
    if (c < 0) return this.freeLarge(offset, p);
    if (!this.isObjectStart(offset, p, c)) return false;
    const w = this.page[p * W + P_OWNER]!;
    const g = offset >>> GRANULE_SHIFT;
    // Our own slab (we are its only writer), or global-lock mode (the lock serialises everyone).
    if (w === this.worker || this.holding) {
      if (this.objState[g] !== 1) return false;
      this.objState[g] = 0;
      this.putBack(w, p, offset);
      return true;
    }
    // Another owner's object. Claim the free first, so two frees of one object cannot both win;
    // the object is recorded first, so that reclaim() can finish the push if we die half way.
    const pushingAt = this.ownerBase + this.classCount + O_PUSHING;
    this.meta[pushingAt] = offset;
    if (Atomics.compareExchange(this.objState, g, 1, 2) !== 1) {
      this.meta[pushingAt] = -1;
      return false;
    }
    this.meta[this.ownerBase + this.classCount + O_REMOTE_SENT]!++;
    if (w < 0 || !this.pushRemote(w, offset)) this.freeOrphan(offset, p); // the owner has detached
    this.meta[pushingAt] = -1;
    return true;
  }

  /** Whether `offset` is where an object of slab p (class c) starts. */
  private isObjectStart(offset: number, p: number, c: number): boolean {
    return (offset - p * this.pageSize) % this.sizes[c]! === 0;
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
   * Takes this worker's whole remote-free stack and frees each object. Called when a size class
   * runs out of room, before a page-level allocation and after each free, so objects come back
   * in batches and the stack's cache line is not pulled over on every alloc. The first reads are
   * plain, only hints: a push missed now is taken on a later call.
   *
   * The batch is recorded (O_BATCH, O_BATCH_CUR) before it leaves the stack and as it goes, so
   * that reclaim() can finish it if this worker dies half way. A suspect (an object a dead
   * pusher claimed, maybe without pushing it) is read before the stack is taken: once the stack
   * taken after it is done, a suspect still marked 2 was never pushed, and is finished here.
   */
  private reclaimRemoteFrees(): void {
    const area = this.ownerBase + this.classCount;
    if (this.meta[this.remoteAt] === REMOTE_EMPTY && this.meta[area + O_SUSPECT]! < 0) return;
    const suspect = this.meta[area + O_SUSPECT]! < 0 ? -1 : Atomics.exchange(this.meta, area + O_SUSPECT, -1);
    for (;;) {
      const head = Atomics.load(this.meta, this.remoteAt);
      if (head < 0) break;
      this.meta[area + O_BATCH] = head;
      if (Atomics.compareExchange(this.meta, this.remoteAt, head, REMOTE_EMPTY) !== head) continue;
      for (let off = head; off >= 0; ) {
        const following = this.data32[off >> 2]!;
        this.meta[area + O_BATCH_CUR] = off;
        this.meta[area + O_BATCH] = following;
        this.reclaimRemoteFree(off);
        off = following;
      }
      this.meta[area + O_BATCH_CUR] = -1;
      break;
    }
    if (suspect >= 0 && this.objState[suspect >>> GRANULE_SHIFT] === 2) this.reclaimRemoteFree(suspect);
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

  /** Slab s is empty: its page becomes a free page of its block; an empty block is parked or goes back. */
  private releaseSlab(w: number, s: number): void {
    this.page[s * W + P_CLASS] = -1;
    const b = this.page[s * W + P_BLOCK]!;
    const used = --this.page[b * W + P_BLOCK_USED]!;
    if (w === ORPHAN) {
      if (used === 0) this.returnBlock(b); // we hold the shared lock here
      return;
    }
    const area = this.ctx.layout.owner + w * this.ctx.layout.ownerStride;
    this.listPush(area + this.classCount + O_FREE_PAGES, s);
    if (used > 0) return;
    const end = b + (1 << this.page[b * W + P_ORDER]!);
    for (let q = b; q < end; q++) this.listUnlink(area + this.classCount + O_FREE_PAGES, q);
    this.meta[area + this.classCount + O_BLOCKS]!--;
    const took = this.enter();
    if (this.meta[area + this.classCount + O_EMPTY_BLOCKS]! < KEEP_EMPTY_BLOCKS) this.park(b, w);
    else this.returnBlock(b);
    this.leave(took);
  }

  /** Under the lock: empty block b of worker w goes on the parked list. */
  private park(b: number, w: number): void {
    this.page[b * W + P_STATE] = PARKED;
    this.listPush(C_IDLE_HEAD, b);
    this.meta[C_IDLE_BLOCKS]!++;
    this.meta[this.ctx.layout.owner + w * this.ctx.layout.ownerStride + this.classCount + O_EMPTY_BLOCKS]!++;
  }

  /**
   * Under the lock: gives empty block b (on no owner list any more) back to the page level. The
   * head's owner is cleared last, so a block whose head still names an owner is still whole.
   */
  private returnBlock(b: number): void {
    for (let q = b + (1 << this.page[b * W + P_ORDER]!) - 1; q >= b; q--) {
      this.page[q * W + P_BLOCK] = -1;
      this.page[q * W + P_OWNER] = -1;
    }
    this.buddy.free(b);
    this.meta[C_BLOCKS_RETURNED]!++;
  }

  // ---- large objects: whole blocks of the shared level ------------------------------------

  private allocLarge(size: number, align: number): number {
    const pages = Math.ceil(Math.max(size, align) / this.pageSize);
    const k = ilog2(roundUpPow2(pages));
    if (k > this.buddy.maxOrder) return -1;
    const took = this.enter();
    let p = this.buddy.alloc(k);
    if (p < 0 && this.returnParked()) p = this.buddy.alloc(k);
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

  // ---- detach / reclaim / recovery ------------------------------------------------------

  /**
   * Dismantles worker w's ownership in one critical section: close its remote list and finish
   * every free that was pushed to it (or, if it died, that it was finishing or pushing); rebuild
   * each of its slabs from the object states, not from its lists (a worker killed mid-call may
   * have left them torn); give back empty blocks, orphan the rest. An object still marked 2 and
   * on no list now belongs to a pusher that will find the list closed and free it as an orphan.
   */
  private releaseWorker(w: number, dead: boolean): void {
    const { layout } = this.ctx;
    const area = layout.owner + w * layout.ownerStride + this.classCount;
    const took = this.enter();
    const suspect = Atomics.exchange(this.meta, area + O_SUSPECT, -1);
    for (let off = Atomics.exchange(this.meta, layout.remote + w * LINE, REMOTE_CLOSED); off >= 0; ) {
      const following = this.data32[off >> 2]!;
      this.finishFree(off);
      off = following;
    }
    if (dead) {
      this.finishFree(this.meta[area + O_BATCH_CUR]!);
      for (let off = this.meta[area + O_BATCH]!; off >= 0 && this.objState[off >>> GRANULE_SHIFT] === 2; ) {
        const following = this.data32[off >> 2]!;
        this.finishFree(off);
        off = following;
      }
      this.finishFree(suspect);
      this.finishPush(this.meta[area + O_PUSHING]!);
    }
    const blocks: number[] = [];
    for (let p = 0; p < this.buddy.pages; p += 1 << this.page[p * W + P_ORDER]!) {
      const state = this.page[p * W + P_STATE];
      if ((state === OWNED || state === PARKED) && this.page[p * W + P_OWNER] === w) blocks.push(p);
    }
    for (const b of blocks) {
      if (this.page[b * W + P_STATE] === PARKED) this.unpark(b, w);
      this.settleBlock(b, ORPHAN);
    }
    this.meta.fill(-1, area - this.classCount, area + 1);
    this.meta[area + O_BLOCKS] = 0;
    this.meta[area + O_EMPTY_BLOCKS] = 0;
    this.meta.fill(-1, area + O_BATCH, area + O_SUSPECT + 1);
    Atomics.store(this.meta, layout.workerState + w, WORKER_DETACHED);
    this.leave(took);
  }

  /** Under the lock: completes the remote free of `off` if it is still marked 2 (slabs settle later). */
  private finishFree(off: number): void {
    if (off >= 0 && this.objState[off >>> GRANULE_SHIFT] === 2) this.objState[off >>> GRANULE_SHIFT] = 0;
  }

  /**
   * Under the lock, for a dead worker that was freeing another owner's object `off`: if the
   * object is still claimed (2), the push may or may not have happened. An owner that has closed
   * its list has finished every push: then it was never pushed, and it is freed here as an
   * orphan's. A live owner gets it as its suspect and settles it itself (reclaimRemoteFrees).
   */
  private finishPush(off: number): void {
    if (off < 0 || this.objState[off >>> GRANULE_SHIFT] !== 2) return;
    const p = off >>> this.pageShift;
    const owner = this.page[p * W + P_OWNER]!;
    if (owner === ORPHAN) {
      this.objState[off >>> GRANULE_SHIFT] = 0;
      this.settleSlab(p, ORPHAN);
    } else if (owner >= 0) {
      // One suspect per owner; a second dead pusher before the owner runs leaves its object pending.
      Atomics.compareExchange(this.meta, this.ctx.layout.owner + owner * this.ctx.layout.ownerStride + this.classCount + O_SUSPECT, -1, off);
    }
  }

  /**
   * Under the lock: rebuilds every slab of block b from the object states (free list: the carved
   * objects marked 0; used: those marked 1 or 2), re-stamps its pages with b and `owner`, and
   * for an orphan drops empty slabs and returns the block when nothing in it is live.
   */
  private settleBlock(b: number, owner: number): void {
    const end = b + (1 << this.page[b * W + P_ORDER]!);
    let slabs = 0;
    for (let q = b; q < end; q++) {
      this.page[q * W + P_BLOCK] = b;
      this.page[q * W + P_OWNER] = owner;
      if (owner === ORPHAN) this.page[q * W + P_NEXT] = this.page[q * W + P_PREV] = -1;
      const c = this.page[q * W + P_CLASS]!;
      if (c < 0) continue;
      if (this.rebuildSlab(q, c) > 0 || owner !== ORPHAN) slabs++;
      else this.page[q * W + P_CLASS] = -1;
    }
    this.page[b * W + P_BLOCK_USED] = slabs;
    if (owner === ORPHAN && slabs === 0) this.returnBlock(b);
  }

  /** settleBlock for the block of slab page p, when only that slab changed. */
  private settleSlab(p: number, owner: number): void {
    this.settleBlock(this.page[p * W + P_BLOCK]!, owner);
  }

  /** Rebuilds slab p's free list and used count from the object states; returns the used count. */
  private rebuildSlab(p: number, c: number): number {
    const size = this.sizes[c]!;
    const base = p * this.pageSize;
    const bump = Math.max(0, Math.min(this.page[p * W + P_BUMP]!, this.perSlab[c]!));
    this.page[p * W + P_BUMP] = bump;
    let free = -1;
    let used = 0;
    for (let i = bump - 1; i >= 0; i--) {
      const off = base + i * size;
      if (this.objState[off >>> GRANULE_SHIFT] === 0) {
        this.data32[off >> 2] = free;
        free = off;
      } else {
        used++;
      }
    }
    this.page[p * W + P_FREE] = free;
    this.page[p * W + P_USED] = used;
    return used;
  }

  /**
   * After taking the lock over from a dead holder: rebuilds everything the lock protects from
   * the page and object states. The page level from the blocks handed out (a block whose head no
   * longer names an owner was being returned: it is free); the parked list from the parked heads;
   * orphan slabs (and in global-lock mode every slab and every worker's lists) from objState.
   */
  private repairShared(): void {
    const { layout } = this.ctx;
    const page = this.page;
    const valid = (w: number): boolean => w === ORPHAN || (w >= 0 && w < this.maxWorkers && Atomics.load(this.meta, layout.workerState + w) === WORKER_ATTACHED);
    for (let p = 0; p < this.buddy.pages; p++) {
      const state = page[p * W + P_STATE];
      if ((state === OWNED || state === PARKED) && !valid(page[p * W + P_OWNER]!)) page[p * W + P_STATE] = TAIL;
    }
    this.buddy.rebuild();
    this.meta[C_IDLE_HEAD] = -1;
    this.meta[C_IDLE_BLOCKS] = 0;
    for (let w = 0; w < this.maxWorkers; w++) {
      const area = layout.owner + w * layout.ownerStride + this.classCount;
      this.meta[area + O_EMPTY_BLOCKS] = 0;
      if (this.globalLock) {
        this.meta.fill(-1, area - this.classCount, area + 1);
        this.meta[area + O_BLOCKS] = 0;
      }
    }
    const owned = new Uint8Array(this.buddy.pages);
    for (let p = 0; p < this.buddy.pages; p += 1 << page[p * W + P_ORDER]!) {
      const state = page[p * W + P_STATE];
      const end = p + (1 << page[p * W + P_ORDER]!);
      if (state === OWNED || state === PARKED) owned.fill(1, p, end);
      else for (let q = p; q < end; q++) page[q * W + P_BLOCK] = page[q * W + P_OWNER] = page[q * W + P_CLASS] = -1;
      if (state === PARKED) {
        const w = page[p * W + P_OWNER]!;
        this.listPush(C_IDLE_HEAD, p);
        this.meta[C_IDLE_BLOCKS]!++;
        this.meta[layout.owner + w * layout.ownerStride + this.classCount + O_EMPTY_BLOCKS]!++;
        for (let q = p; q < end; q++) page[q * W + P_CLASS] = -1;
      } else if (state === OWNED) {
        const w = page[p * W + P_OWNER]!;
        if (w === ORPHAN) this.settleBlock(p, ORPHAN);
        else if (this.globalLock) this.relistBlock(p, w);
      }
    }
  }

  /** Global-lock recovery: rebuilds block b of live worker w and puts its pages on w's lists. */
  private relistBlock(b: number, w: number): void {
    this.settleBlock(b, w);
    const area = this.ctx.layout.owner + w * this.ctx.layout.ownerStride;
    this.meta[area + this.classCount + O_BLOCKS]!++;
    for (let q = b + (1 << this.page[b * W + P_ORDER]!) - 1; q >= b; q--) {
      const c = this.page[q * W + P_CLASS]!;
      if (c < 0) this.listPush(area + this.classCount + O_FREE_PAGES, q);
      else if (this.page[q * W + P_USED]! < this.perSlab[c]!) this.listPush(area + c, q);
      else this.page[q * W + P_NEXT] = this.page[q * W + P_PREV] = -1;
    }
  }

  // ---- the shared lock and the intrusive page lists --------------------------------------

  /** Takes the shared lock unless this instance already holds it; returns whether it took it. */
  private enter(): boolean {
    if (this.holding) return false;
    const waited = lock(this.meta, LOCK, this.worker);
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
    const o = requireOptions('options', options, ALLOC_OPTIONS);
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
