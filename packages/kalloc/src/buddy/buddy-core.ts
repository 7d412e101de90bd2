import { alignDown, alignUp, ilog2, roundDownPow2, roundUpPow2 } from '../core/bits.ts';
import { fault, invalid, invariant, show } from '../core/errors.ts';
import { NIL } from '../core/rb-forest.ts';
import { isPowerOfTwo, requireBoolean, requireExtent, requireOptions, requirePowerOfTwo } from '../core/validate.ts';
import { BlockHandle, type BuddyAllocOptions, type BuddyAllocatorOptions, type BuddyBlock, type BuddyFreeOptions, type BuddyStats } from './api.ts';
import { ALLOCATED, BlockPool, CLEAR, DIRTY, FREE, MIXED, SPLIT, alignmentMark } from './block-pool.ts';
import { NumberList } from '../core/number-list.ts';
import { lastAtLeast } from './tree-search.ts';

/** How splitDown() picks the child to continue with. */
export const enum Pick {
  Right, // always the right (higher) child: the kernel's default
  AvoidClear, // the dirtier child, the right one on a tie (dirty allocations keep cleared memory)
  Aligned, // the right child if its offset is aligned to `arg` bytes, else the left
  AlignedAvoidClear, // Aligned, and the left child also when it is dirtier
  Toward, // the child holding offset `arg`
}

const MIN_CHUNK = 4096;
/** Preference of dirty allocations by clear state: DIRTY over MIXED over CLEAR. */
const DIRTINESS = Uint8Array.of(2, 0, 1); // indexed by DIRTY, CLEAR, MIXED
const ALLOC_OPTIONS = ['start', 'end', 'minBlockSize', 'contiguous', 'topDown', 'clear', 'trim'];
const FREE_OPTIONS = ['cleared'];
const EMPTY: BuddyAllocOptions & BuddyFreeOptions = Object.freeze({});
/** The two free trees of each order: all-cleared blocks, and the others (dirty, or partly cleared). */
export const CLEAR_SLOT = 0;
export const UNCLEAR_SLOT = 1;
/** The one lane of the free trees: every free block's alignment mark (see alignmentMark). */
export const LANE = 0;

/**
 * Everything the two buddy designs share: the block tree over power-of-two roots, validation,
 * the allocation driver (rounding, order fallback, trim, contiguous try-harder), the exact-range
 * and range-restricted depth-first searches, splitting and coalescing, trim, block handles,
 * stats and the structural part of check(). A design supplies only its policy: which free tree
 * a block lives in, how a free block is found, whether two free buddies may merge, and how
 * cleared memory is accounted.
 *
 * A block is a node of one BlockPool (an RbForest). Free blocks are linked into a free tree;
 * split and allocated blocks are detached. Children of a split block are created on split and
 * released when they merge back, like the kernel's block slab.
 *
 * Each order has two free trees, keyed by offset, with one augmented lane (the alignment mark):
 *   tree(k, CLEAR_SLOT)     free blocks of order k that are all cleared
 *   tree(k, UNCLEAR_SLOT)   the other free blocks of order k (dirty, or partly cleared)
 * So the highest block of a class, or of a class at an offset aligned to 2^a, is one descent
 * (usually none: the tree's last block is checked first).
 */
export abstract class BuddyCore {
  readonly size: number;
  readonly chunkSize: number;
  readonly maxOrder: number;
  readonly rootCount: number;
  /** log2(chunkSize). */
  private readonly chunkShift: number;

  protected readonly pool: BlockPool;
  protected readonly roots: Int32Array;
  /** Bytes of an order-k block. */
  protected readonly bytes: Float64Array;
  protected availBytes = 0;
  /** Bytes of the free blocks that are all cleared (those in the CLEAR_SLOT trees). */
  protected clearBlockBytes = 0;
  /** Nodes taken by the allocation in progress (scratch, reused). */
  protected readonly taken = new NumberList();
  private readonly stack = new NumberList();
  private epoch = 0;

  protected constructor(options: BuddyAllocatorOptions) {
    const o = requireOptions('options', options, ['size', 'chunkSize']);
    const chunk = o.chunkSize === undefined ? MIN_CHUNK : requirePowerOfTwo('options.chunkSize', o.chunkSize, MIN_CHUNK);
    const requested = requireExtent('options.size', o.size);
    const size = alignDown(requested, chunk);
    if (size < chunk) throw invalid('options.size', o.size, `must be at least chunkSize (${chunk})`);
    this.size = size;
    this.chunkSize = chunk;
    this.chunkShift = ilog2(chunk);
    this.maxOrder = ilog2(size) - ilog2(chunk);
    this.bytes = new Float64Array(this.maxOrder + 1);
    for (let k = 0; k <= this.maxOrder; k++) this.bytes[k] = chunk * 2 ** k;
    this.pool = new BlockPool((this.maxOrder + 1) * 2, 1, 256);

    // Roots: the power-of-two parts of size, largest first (7 MiB -> 4M@0, 2M@4M, 1M@6M).
    const roots: number[] = [];
    for (let offset = 0, rest = size; rest > 0; ) {
      const k = ilog2(rest) - ilog2(chunk);
      const n = this.pool.create(offset);
      this.pool.order[n] = k;
      this.pool.up[n] = NIL;
      this.pool.clear[n] = DIRTY;
      this.pool.state[n] = FREE;
      this.link(n);
      roots.push(n);
      offset += this.bytes[k]!;
      rest -= this.bytes[k]!;
    }
    this.roots = Int32Array.from(roots);
    this.rootCount = roots.length;
  }

  get avail(): number {
    return this.availBytes;
  }

  abstract get clearAvail(): number;

  // ---- policy ---------------------------------------------------------------------------------

  /** A free block of at least order k, split down to order k (free, linked); NIL if none. */
  protected abstract findFree(k: number, topDown: boolean, clear: boolean): number;
  /**
   * Same, at an offset aligned to `align` bytes (> the block size): the offset-aligned path.
   * topDown does not apply here, as in the kernel (the search already takes the highest).
   */
  protected abstract findAligned(k: number, align: number, topDown: boolean, clear: boolean): number;
  /** Clear state of a new child of a free block being split. */
  protected abstract childClear(parent: number, offset: number, k: number): number;
  /** Whether a freed block may merge with its free buddy. */
  protected abstract mayMerge(n: number, buddy: number): boolean;
  /** Clear state of the parent of two free buddies that merge (both are unlinked). */
  protected abstract mergedClear(n: number, buddy: number): number;
  /** A block was taken off the free trees for the allocation in progress. */
  protected abstract onTake(n: number): void;
  /** Undo onTake's clear bookkeeping inside [lo, hi) (every range, for a full rollback). */
  protected abstract restoreClear(lo: number, hi: number): void;
  /** A fresh allocation attempt starts (or a failed one was rolled back). */
  protected abstract onBegin(): void;
  /** The legacy design skips blocks of the other clear state in a first range pass. */
  protected rangeIncompatible(_n: number, _clear: boolean): boolean {
    return false;
  }
  protected readonly rangeFirstPassFilters: boolean = false;
  /**
   * Whether try-harder visits the free blocks of an order highest first over both trees (the
   * 2026 design: every free block of the order, clear or not) or tree by tree, cleared first
   * (the old code).
   */
  protected readonly tryHarderByAddress: boolean = true;
  /** Last resort before failing (legacy force-merge); true if it changed anything worth a retry. */
  protected defragment(_start: number, _end: number, _minOrder: number): boolean {
    return false;
  }
  /** Two free buddies did not merge (mayMerge said no): the legacy failed-merge list records it. */
  protected onMergeRefused(_n: number): void {}
  /**
   * A contiguous request (not range-restricted) that no single aligned block can serve: the
   * kernel's try-harder; the extent-tracking alternative replaces it.
   */
  protected contiguousFallback(size: number, min: number, clear: boolean): BuddyBlock[] | undefined {
    return this.tryHarder(size, min, clear);
  }
  abstract resetClear(isClear: boolean): void;
  /** The cleared parts of free blocks that are only partly cleared, in address order. */
  protected mixedClearExtents(): IterableIterator<{ start: number; end: number }> {
    return [][Symbol.iterator]();
  }
  /**
   * Design-specific checks of one free block (returning its cleared bytes), of one allocated
   * block, and of the totals given the cleared bytes summed over every free block.
   */
  protected abstract checkFree(n: number, buddyFree: boolean): number;
  protected abstract checkAllocated(n: number): void;
  protected abstract checkTotals(clearInFree: number): void;

  // ---- public API -----------------------------------------------------------------------------

  alloc(size: number, options?: BuddyAllocOptions): BuddyBlock[] | undefined {
    // A power-of-two size without options (below the whole space, which is an exact placement):
    // valid, no rounding, one order, no trim, so the general path below would take exactly
    // these steps. It still runs when no block is free (defragment, failure).
    if (options === undefined && typeof size === 'number' && size >= this.chunkSize && size < this.size && isPowerOfTwo(size)) {
      const got = this.allocOrder(ilog2(size) - this.chunkShift);
      if (got !== undefined) return got;
    }
    const o = options === undefined ? EMPTY : requireOptions('options', options, ALLOC_OPTIONS);
    const chunk = this.chunkSize;
    requireExtent('size', size, true);
    if (size % chunk !== 0) throw invalid('size', size, `must be a multiple of chunkSize (${chunk})`);
    const ranged = o.start !== undefined || o.end !== undefined;
    const start = o.start === undefined ? 0 : requireExtent('options.start', o.start);
    const end = o.end === undefined ? this.size : requireExtent('options.end', o.end);
    if (start % chunk !== 0) throw invalid('options.start', start, `must be a multiple of chunkSize (${chunk})`);
    if (end % chunk !== 0) throw invalid('options.end', end, `must be a multiple of chunkSize (${chunk})`);
    if (end > this.size) throw invalid('options.end', end, `must be at most the allocator size (${this.size})`);
    if (start > end) throw invalid('options.start', start, `must not exceed options.end (${end})`);
    if (start + size > this.size) throw invalid('size', size, `overflows the allocator from start ${start}`);
    const min = o.minBlockSize === undefined ? chunk : requirePowerOfTwo('options.minBlockSize', o.minBlockSize, chunk);
    const contiguous = flag('options.contiguous', o.contiguous, false);
    const topDown = flag('options.topDown', o.topDown, false);
    const clear = flag('options.clear', o.clear, false);
    const trim = flag('options.trim', o.trim, true);

    // Exact placement: the kernel's __alloc_range, flags ignored.
    if (start + size === end) {
      if (start % min !== 0 || end % min !== 0) {
        throw invalid('options.start', start, `exact range [${start}, ${end}) must be aligned to minBlockSize (${min})`);
      }
      return this.allocRange(start, size, clear);
    }

    let rounded = size;
    let minSize = min;
    if (contiguous) {
      rounded = roundUpPow2(size);
      minSize = rounded;
    } else if (!(size < min && isPowerOfTwo(size))) {
      rounded = alignUp(size, min);
    }
    const offsetAligned = rounded < minSize; // a small block at a minBlockSize-aligned offset
    const shift = ilog2(chunk);
    let order = ilog2(rounded) - shift;
    if (order > this.maxOrder || rounded > this.size) {
      if (contiguous && !ranged) return this.contiguousFallback(size, min, clear);
      throw invalid('size', size, `rounds up to ${rounded}, more than the largest block allows`);
    }
    const minOrder = ilog2(minSize) - shift;
    const floorOrder = offsetAligned ? order : minOrder;

    this.begin();
    let left = rounded; // bytes still to take
    while (left > 0) {
      order = Math.min(order, ilog2(left) - shift);
      let defragmented = false;
      let n: number;
      for (;;) {
        if (ranged) n = this.rangeSearch(order, start, end, offsetAligned ? min : 0, clear, topDown);
        else if (offsetAligned) n = this.findAligned(order, min, topDown, clear);
        else n = this.findFree(order, topDown, clear);
        if (n !== NIL) break;
        if (order > floorOrder) {
          order--;
          continue;
        }
        if (!defragmented && this.defragment(start, end, floorOrder)) {
          defragmented = true;
          continue;
        }
        this.fail();
        return contiguous && !ranged ? this.contiguousFallback(size, min, clear) : undefined;
      }
      this.take(n);
      left -= this.bytes[order]!;
    }

    if (trim && rounded !== size) {
      // One block: trim it to the request. Several: the last one gives back the rounding.
      const last = this.taken.pop()!;
      const lastSize = this.bytes[this.pool.order[last]!]!;
      this.trimNode(last, this.pool.key[last]!, lastSize - (rounded - size), true);
    }
    return this.commit(clear);
  }

  free(blocks: Iterable<BuddyBlock>, options?: BuddyFreeOptions): void {
    const o = options === undefined ? EMPTY : requireOptions('options', options, FREE_OPTIONS);
    const cleared = flag('options.cleared', o.cleared, false);
    if (blocks === null || typeof blocks !== 'object' || typeof (blocks as Iterable<BuddyBlock>)[Symbol.iterator] !== 'function') {
      throw invalid('blocks', blocks, 'must be an iterable of blocks');
    }
    const list = Array.isArray(blocks) ? (blocks as BuddyBlock[]) : [...blocks];
    // Validate everything first: a throw must leave the allocator unchanged.
    const pool = this.pool;
    const epoch = list.length > 1 ? this.nextEpoch() : 0;
    for (let i = 0; i < list.length; i++) {
      const n = this.nodeOf(list[i], 'blocks', i);
      if (epoch !== 0) {
        if (pool.stamp[n] === epoch) throw fault(`blocks[${i}]: block at ${list[i]!.offset} is listed twice (double free)`);
        pool.stamp[n] = epoch;
      }
    }
    const state = cleared ? CLEAR : DIRTY;
    for (let i = 0; i < list.length; i++) {
      const n = (list[i] as BlockHandle).node;
      pool.clear[n] = state;
      this.release(n);
    }
  }

  /**
   * Shrinks an allocated block to newSize bytes starting at `start` (default: the block's start)
   * and frees the rest. Returns the blocks now covering the kept range, in address order; the
   * old block object is no longer valid. Cut-off memory returns dirty: the allocator cannot know
   * whether it was written since it was handed out (the kernel keeps its clear bit, trusting
   * drivers to trim before use).
   */
  trim(block: BuddyBlock, newSize: number, start?: number): BuddyBlock[] {
    const n = this.nodeOf(block, 'block');
    const h = block as BlockHandle;
    requireExtent('newSize', newSize, true);
    if (newSize % this.chunkSize !== 0) throw invalid('newSize', newSize, `must be a multiple of chunkSize (${this.chunkSize})`);
    if (newSize > h.size) throw invalid('newSize', newSize, `must not exceed the block size (${h.size})`);
    let from = h.offset;
    if (start !== undefined) {
      requireExtent('start', start);
      if (start % this.chunkSize !== 0) throw invalid('start', start, `must be a multiple of chunkSize (${this.chunkSize})`);
      if (start < h.offset || start + newSize > h.offset + h.size) {
        throw invalid('start', start, `[start, start + newSize) must lie inside the block [${h.offset}, ${h.offset + h.size})`);
      }
      from = start;
    }
    if (newSize === h.size) return [block];
    this.begin();
    this.trimNode(n, from, newSize, false);
    return this.commit(h.clear, true);
  }

  stats(): BuddyStats {
    const orders = [];
    for (let k = this.maxOrder; k >= 0; k--) {
      let blocks = 0;
      blocks += this.pool.count(this.tree(k, CLEAR_SLOT)) + this.pool.count(this.tree(k, UNCLEAR_SLOT));
      orders.push({ order: k, blocks, bytes: blocks * this.bytes[k]! });
    }
    return { size: this.size, chunkSize: this.chunkSize, avail: this.avail, clearAvail: this.clearAvail, orders };
  }

  /** The largest ctz(offset) over all free blocks (the free trees' subtree_max_alignment); -1 if none. */
  maxFreeAlignment(): number {
    const pool = this.pool;
    let best = 0;
    for (let t = 0; t < pool.treeCount; t++) {
      const r = pool.roots[t]!;
      if (r !== NIL) best = Math.max(best, pool.subtreeMax(r, LANE));
    }
    return best - 1;
  }

  /** Free blocks in address order, as [offset, size, clear] (for maps and tests). */
  *freeBlocks(): IterableIterator<{ offset: number; size: number; clear: boolean }> {
    const pool = this.pool;
    const stack = Array.from(this.roots).reverse();
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (pool.state[n] === SPLIT) stack.push(pool.hi[n]!, pool.lo[n]!);
      else if (pool.state[n] === FREE) yield { offset: pool.key[n]!, size: this.bytes[pool.order[n]!]!, clear: pool.clear[n] === CLEAR };
    }
  }

  /** Cleared free memory as maximal extents in address order (for maps and tests). */
  *clearExtents(): IterableIterator<{ start: number; end: number }> {
    // Two sorted sources: the all-cleared free blocks, and the cleared parts of mixed ones.
    const blocks = this.freeBlocks();
    const parts = this.mixedClearExtents();
    let b = nextClearBlock(blocks);
    let e = parts.next();
    let open: { start: number; end: number } | undefined;
    while (b !== undefined || !e.done) {
      let next: { start: number; end: number };
      if (b !== undefined && (e.done || b.start < e.value.start)) {
        next = b;
        b = nextClearBlock(blocks);
      } else {
        next = e.value!;
        e = parts.next();
      }
      if (open !== undefined && open.end === next.start) {
        open.end = next.end;
      } else {
        if (open !== undefined) yield open;
        open = { start: next.start, end: next.end };
      }
    }
    if (open !== undefined) yield open;
  }

  check(): void {
    const pool = this.pool;
    let offset = 0;
    for (let i = 0; i < this.rootCount; i++) {
      const r = this.roots[i]!;
      invariant(pool.up[r] === NIL, `root ${i} has a parent`);
      invariant(pool.key[r] === offset, `root ${i} is at ${pool.key[r]}, expected ${offset}`);
      invariant(i > 0 || pool.order[r] === this.maxOrder, `root 0 has order ${pool.order[r]}, expected ${this.maxOrder}`);
      invariant(i === 0 || pool.order[r]! < pool.order[this.roots[i - 1]!]!, `root ${i} is not smaller than the one before`);
      offset += this.bytes[pool.order[r]!]!;
    }
    invariant(offset === this.size, `roots cover ${offset} bytes, expected ${this.size}`);

    let freeBytes = 0;
    let freeCount = 0;
    let clearInFree = 0;
    let nodes = 0;
    const stack = Array.from(this.roots);
    while (stack.length > 0) {
      const n = stack.pop()!;
      nodes++;
      const k = pool.order[n]!;
      const off = pool.key[n]!;
      const size = this.bytes[k]!;
      invariant(off % size === 0, `block ${off} of order ${k} is not aligned to its size`);
      const st = pool.state[n]!;
      const p = pool.up[n]!;
      const buddy = p === NIL ? NIL : pool.lo[p] === n ? pool.hi[p]! : pool.lo[p]!;
      if (buddy !== NIL) {
        invariant(pool.key[buddy] === (off % (2 * size) === 0 ? off + size : off - size), `buddy of block ${off} is misplaced`);
      }
      if (st === SPLIT) {
        const l = pool.lo[n]!;
        const r = pool.hi[n]!;
        invariant(k > 0, `order-0 block ${off} is split`);
        invariant(pool.up[l] === n && pool.up[r] === n, `children of block ${off} have a wrong parent`);
        invariant(pool.order[l] === k - 1 && pool.order[r] === k - 1, `children of block ${off} have a wrong order`);
        invariant(pool.key[l] === off && pool.key[r] === off + size / 2, `children of block ${off} are misplaced`);
        invariant(!pool.isLinked(n), `split block ${off} is in a free tree`);
        stack.push(l, r);
      } else if (st === FREE) {
        invariant(pool.isLinked(n) && pool.find(this.treeOf(n), off) === n, `free block ${off} is not in its free tree`);
        invariant(pool.value(n, LANE) === alignmentMark(off), `free block ${off} has a stale alignment mark`);
        freeBytes += size;
        freeCount++;
        clearInFree += this.checkFree(n, buddy !== NIL && pool.state[buddy] === FREE);
      } else {
        invariant(st === ALLOCATED, `block ${off} has state ${st}`);
        invariant(!pool.isLinked(n), `allocated block ${off} is in a free tree`);
        this.checkAllocated(n);
      }
    }
    let linked = 0;
    for (let t = 0; t < pool.treeCount; t++) {
      pool.checkTree(t, `free tree ${t}`);
      linked += pool.count(t);
    }
    invariant(linked === freeCount, `free trees hold ${linked} blocks, the block tree ${freeCount}`);
    invariant(pool.nodesInUse === nodes, `${pool.nodesInUse} nodes in use, ${nodes} reachable (leak)`);
    invariant(freeBytes === this.availBytes, `avail is ${this.availBytes}, free blocks hold ${freeBytes}`);
    this.checkTotals(clearInFree);
  }

  // ---- free trees -----------------------------------------------------------------------------

  protected tree(k: number, slot: number): number {
    return k * 2 + slot;
  }

  /** The free tree a free block belongs in. */
  protected treeOf(n: number): number {
    return this.tree(this.pool.order[n]!, this.pool.clear[n] === CLEAR ? CLEAR_SLOT : UNCLEAR_SLOT);
  }

  /** Links a free block (state and clear state already set) into its tree. */
  protected link(n: number): void {
    const pool = this.pool;
    const size = this.bytes[pool.order[n]!]!;
    pool.init(n, LANE, alignmentMark(pool.key[n]!));
    pool.insert(this.treeOf(n), n);
    this.availBytes += size;
    if (pool.clear[n] === CLEAR) this.clearBlockBytes += size;
  }

  protected unlink(n: number): void {
    const pool = this.pool;
    const size = this.bytes[pool.order[n]!]!;
    pool.remove(this.treeOf(n), n);
    this.availBytes -= size;
    if (pool.clear[n] === CLEAR) this.clearBlockBytes -= size;
  }

  /** The highest block of `tree` with an alignment mark >= threshold (its last block is checked first). */
  protected lastIn(tree: number, threshold: number): number {
    const pool = this.pool;
    const last = pool.last[tree]!;
    if (last === NIL || pool.val[last]! >= threshold) return last;
    return lastAtLeast(pool, tree, LANE, threshold);
  }

  /** The free block containing offset p, which the caller knows to be free. */
  protected blockAt(p: number): number {
    const pool = this.pool;
    let i = this.rootCount - 1;
    while (pool.key[this.roots[i]!]! > p) i--;
    let n = this.roots[i]!;
    while (pool.state[n] === SPLIT) n = p < pool.key[pool.hi[n]!]! ? pool.lo[n]! : pool.hi[n]!;
    invariant(pool.state[n] === FREE, `offset ${p} was expected to be free`);
    return n;
  }

  // ---- split / take / release -----------------------------------------------------------------

  /** Splits a free linked block into two free linked halves. */
  protected split(n: number): void {
    this.unlink(n);
    this.halve(n);
    this.link(this.pool.lo[n]!);
    this.link(this.pool.hi[n]!);
  }

  /** Turns an unlinked free block into a split one with two free, unlinked halves. */
  private halve(n: number): void {
    const pool = this.pool;
    const half = pool.order[n]! - 1;
    const off = pool.key[n]!;
    const l = pool.create(off);
    const r = pool.create(off + this.bytes[half]!);
    // create() may have grown the columns: read them through pool from here on.
    pool.order[l] = half;
    pool.order[r] = half;
    pool.up[l] = n;
    pool.up[r] = n;
    pool.lo[n] = l;
    pool.hi[n] = r;
    pool.clear[l] = this.childClear(n, off, half);
    pool.clear[r] = this.childClear(n, off + this.bytes[half]!, half);
    pool.clear[n] = DIRTY;
    pool.state[n] = SPLIT;
    pool.state[l] = FREE;
    pool.state[r] = FREE;
  }

  /**
   * Splits a free linked block down to order k, following `pick`, and returns the order-k block
   * detached (take() claims it). Only the halves left behind are linked: one tree insert per
   * level instead of the two inserts and one removal of split() each time.
   */
  protected splitDown(n: number, k: number, pick: Pick, arg: number): number {
    const pool = this.pool;
    if (pool.order[n] === k) return n;
    this.unlink(n);
    while (pool.order[n]! > k) {
      this.halve(n);
      const l = pool.lo[n]!;
      const r = pool.hi[n]!;
      const half = pool.order[l]!;
      let next: number;
      switch (pick) {
        case Pick.Right:
          next = r;
          break;
        case Pick.AvoidClear:
          next = DIRTINESS[pool.clear[r]!]! >= DIRTINESS[pool.clear[l]!]! ? r : l;
          break;
        case Pick.Aligned:
          // The right child sits at parent + half, so its alignment is exactly its size.
          next = this.bytes[half]! >= arg ? r : l;
          break;
        case Pick.AlignedAvoidClear:
          next = this.bytes[half]! >= arg && DIRTINESS[pool.clear[r]!]! >= DIRTINESS[pool.clear[l]!]! ? r : l;
          break;
        case Pick.Toward:
          next = arg < pool.key[r]! ? l : r;
          break;
      }
      this.link(next === l ? r : l);
      n = next;
    }
    return n;
  }

  /** Claims a free block: linked (found in a tree) or detached (from splitDown). */
  protected take(n: number): void {
    if (this.pool.isLinked(n)) this.unlink(n);
    this.pool.state[n] = ALLOCATED;
    this.onTake(n);
    this.taken.push(n);
  }

  /** Frees an allocated (or just unlinked) block and coalesces it upward; returns the final order. */
  protected release(n: number, force = false): number {
    const pool = this.pool;
    if (pool.state[n] === ALLOCATED) pool.generation[n] = (pool.generation[n]! + 1) >>> 0;
    for (;;) {
      const p = pool.up[n]!;
      if (p === NIL) break;
      const b = pool.lo[p] === n ? pool.hi[p]! : pool.lo[p]!;
      if (pool.state[b] !== FREE) break;
      if (!force && !this.mayMerge(n, b)) {
        this.onMergeRefused(n);
        break;
      }
      this.unlink(b);
      const c = force ? DIRTY : this.mergedClear(n, b);
      pool.release(n);
      pool.release(b);
      n = p;
      pool.clear[n] = c;
    }
    pool.state[n] = FREE;
    this.link(n);
    return pool.order[n]!;
  }

  private nextEpoch(): number {
    this.epoch = (this.epoch + 1) >>> 0 || 1;
    return this.epoch;
  }

  private begin(): void {
    this.taken.clear();
    this.onBegin();
  }

  /** Gives back everything the allocation in progress took, restoring the clear state. */
  private fail(): undefined {
    this.restoreClear(-Infinity, Infinity);
    const taken = this.taken;
    for (let i = taken.length - 1; i >= 0; i--) this.release(taken.data[i]!);
    this.begin(); // a try-harder attempt may follow
    return undefined;
  }

  private commit(clear: boolean, sameClear = false): BuddyBlock[] {
    const pool = this.pool;
    const taken = this.taken;
    const out: BuddyBlock[] = new Array(taken.length);
    for (let i = 0; i < taken.length; i++) {
      const n = taken.data[i]!;
      out[i] = this.handle(n, sameClear ? clear : clear && pool.clear[n] === CLEAR);
    }
    taken.clear();
    return out;
  }

  private handle(n: number, isClear: boolean): BlockHandle {
    const pool = this.pool;
    const k = pool.order[n]!;
    return new BlockHandle(this, n, pool.generation[n]!, pool.key[n]!, this.bytes[k]!, k, isClear);
  }

  /** The node of an allocated block handle; `index` >= 0 names it as an element of `name`. */
  private nodeOf(block: unknown, name: string, index = -1): number {
    if (block === null || typeof block !== 'object') throw invalid(argName(name, index), block, 'must be a block returned by alloc()');
    if (!(block instanceof BlockHandle) || block.owner !== this) throw fault(`${argName(name, index)}: not a block of this allocator`);
    const n = block.node;
    const pool = this.pool;
    if (pool.state[n] !== ALLOCATED || pool.generation[n] !== block.generation) {
      throw fault(`${argName(name, index)}: block at ${block.offset} is not allocated (freed or trimmed already)`);
    }
    // The fields are readonly only to TypeScript: a handle whose fields were changed no longer
    // describes its block, and acting on either would be wrong.
    const k = pool.order[n]!;
    if (block.offset !== pool.key[n] || block.size !== this.bytes[k] || block.order !== k) {
      throw fault(`${argName(name, index)}: handle says [${show(block.offset)}, +${show(block.size)}) order ${show(block.order)}, its block is [${pool.key[n]}, +${this.bytes[k]}) order ${k} (changed handle)`);
    }
    return n;
  }

  /** One block of order k found by findFree (no options), committed; undefined (nothing taken) if none. */
  private allocOrder(k: number): BuddyBlock[] | undefined {
    this.begin();
    const n = this.findFree(k, false, false);
    if (n === NIL) return undefined;
    this.take(n);
    this.taken.clear();
    return [this.handle(n, false)];
  }

  /** Takes exactly [start, start + size) as one allocation; undefined (nothing taken) if not all free. */
  protected allocRange(start: number, size: number, clear: boolean): BuddyBlock[] | undefined {
    this.begin();
    if (this.allocExact(start, start + size, NIL) < size) return this.fail();
    return this.commit(clear);
  }

  // ---- searches -------------------------------------------------------------------------------

  /**
   * The kernel's __alloc_range: takes every free block inside [start, end), lowest address
   * first, splitting blocks that straddle an edge; stops at the first allocated block in the
   * way. Starts from `from` (trim) or from all roots. Returns the bytes taken; the caller
   * decides whether a short result is a failure.
   */
  private allocExact(start: number, end: number, from: number): number {
    const pool = this.pool;
    const stack = this.stack;
    stack.clear();
    if (from !== NIL) stack.push(from);
    else for (let i = this.rootCount - 1; i >= 0; i--) stack.push(this.roots[i]!);
    const want = end - start;
    let total = 0;
    while (stack.length > 0) {
      const n = stack.pop()!;
      const bs = pool.key[n]!;
      const be = bs + this.bytes[pool.order[n]!]!;
      if (be <= start || bs >= end) continue;
      const st = pool.state[n];
      if (st === ALLOCATED) break;
      if (bs >= start && be <= end && st === FREE) {
        this.take(n);
        total += be - bs;
        if (total === want) break;
        continue;
      }
      if (st === FREE) this.split(n);
      stack.pushPair(pool.hi[n]!, pool.lo[n]!);
    }
    return total;
  }

  /**
   * The kernel's __alloc_range_bias: depth-first over the block tree for a free order-k block
   * inside [start, end) (aligned to `align` bytes when > 0: the offset-aligned case), lowest
   * address first (highest with topDown). A subtree is skipped when no aligned k-block fits in
   * its overlap with the range, so every split made here leads to the block returned.
   */
  private rangeSearch(k: number, start: number, end: number, align: number, clear: boolean, topDown: boolean): number {
    const n = this.rangePass(k, start, end, align, clear, topDown, this.rangeFirstPassFilters);
    return n === NIL && this.rangeFirstPassFilters ? this.rangePass(k, start, end, align, clear, topDown, false) : n;
  }

  private rangePass(k: number, start: number, end: number, align: number, clear: boolean, topDown: boolean, filter: boolean): number {
    const pool = this.pool;
    const stack = this.stack;
    stack.clear();
    for (let i = 0; i < this.rootCount; i++) stack.push(this.roots[topDown ? i : this.rootCount - 1 - i]!);
    const want = this.bytes[k]!;
    const step = Math.max(want, align);
    while (stack.length > 0) {
      const n = stack.pop()!;
      const bs = pool.key[n]!;
      const be = bs + this.bytes[pool.order[n]!]!;
      if (be <= start || bs >= end) continue;
      const st = pool.state[n];
      if (st === ALLOCATED) continue;
      if (alignUp(Math.max(start, bs), step) + want > Math.min(end, be)) continue;
      if (filter && this.rangeIncompatible(n, clear)) continue;
      if (pool.order[n] === k) {
        if (st === FREE) return n;
        continue;
      }
      if (st === FREE) this.split(n);
      if (topDown) stack.pushPair(pool.lo[n]!, pool.hi[n]!);
      else stack.pushPair(pool.hi[n]!, pool.lo[n]!);
    }
    return NIL;
  }

  /**
   * The kernel's __alloc_contig_try_harder: a contiguous range of a non-power-of-two size (or one
   * beyond the largest order) from two neighbours that are not buddies. For every free block of
   * order log2(rounddown_pow2(size)), highest first: take what is free from its start, and the
   * rest from just below it.
   */
  private tryHarder(size: number, min: number, clear: boolean): BuddyBlock[] | undefined {
    const k = ilog2(roundDownPow2(size) / this.chunkSize);
    if (k === 0) return undefined;
    const pool = this.pool;
    this.begin();
    // Candidates: the free order-k blocks, highest first (per tree with !tryHarderByAddress).
    // An attempt splits and merges blocks, so each next one is looked up below the last tried.
    const clearTree = this.tree(k, CLEAR_SLOT);
    const otherTree = this.tree(k, UNCLEAR_SLOT);
    let clearBelow = Infinity;
    let otherBelow = Infinity;
    for (;;) {
      const c = pool.floor(clearTree, clearBelow);
      const o = pool.floor(otherTree, otherBelow);
      if (c === NIL && o === NIL) break;
      const useClear = o === NIL || (c !== NIL && (!this.tryHarderByAddress || pool.key[c]! > pool.key[o]!));
      const rhs = pool.key[useClear ? c : o]!;
      if (useClear) clearBelow = rhs - 1;
      else otherBelow = rhs - 1;
      const filled = this.allocExact(rhs, rhs + size, NIL);
      if (filled === size) return this.commit(clear);
      const lhsSize = alignUp(Math.max(size - filled, min), min);
      if (lhsSize <= rhs) {
        const lhsAt = this.taken.length;
        if (this.allocExact(rhs - lhsSize, rhs, NIL) === lhsSize) {
          // The kernel splices the lower part in front.
          const d = this.taken.data;
          const rotated = [...d.subarray(lhsAt, this.taken.length), ...d.subarray(0, lhsAt)];
          d.set(rotated);
          return this.commit(clear);
        }
      }
      this.fail();
    }
    return undefined;
  }

  /**
   * The kernel's gpu_buddy_block_trim: the block becomes free within its own subtree, then the
   * kept range is taken back from it. `internal` (alloc giving back its rounding) restores the
   * clear state of the cut-off memory, which was never handed out.
   */
  private trimNode(n: number, from: number, newSize: number, internal: boolean): void {
    const pool = this.pool;
    const off = pool.key[n]!;
    if (pool.state[n] === ALLOCATED) pool.generation[n] = (pool.generation[n]! + 1) >>> 0;
    if (internal) this.restoreClear(off, off + this.bytes[pool.order[n]!]!);
    else pool.clear[n] = DIRTY;
    pool.state[n] = FREE;
    this.link(n);
    const got = this.allocExact(from, from + newSize, n);
    invariant(got === newSize, `trim of block ${off} took ${got} of ${newSize} bytes`);
  }
}

function nextClearBlock(blocks: IterableIterator<{ offset: number; size: number; clear: boolean }>): { start: number; end: number } | undefined {
  for (let r = blocks.next(); !r.done; r = blocks.next()) {
    if (r.value.clear) return { start: r.value.offset, end: r.value.offset + r.value.size };
  }
  return undefined;
}

/** Built only when an error is thrown: a template string per call would cost the hot path. */
function argName(name: string, index: number): string {
  return index < 0 ? name : `${name}[${index}]`;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  return value === undefined ? fallback : requireBoolean(name, value);
}
