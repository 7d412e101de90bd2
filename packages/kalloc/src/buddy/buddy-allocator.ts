import { ilog2 } from '../core/bits.ts';
import { NIL } from '../core/rb-forest.ts';
import { invariant } from '../core/errors.ts';
import { requireBoolean } from '../core/validate.ts';
import type { BuddyAllocatorOptions } from './api.ts';
import { CLEAR, DIRTY, FREE, MIXED, SPLIT } from './block-pool.ts';
import { BuddyCore, CLEAR_SLOT, Pick, UNCLEAR_SLOT } from './buddy-core.ts';
import { ClearTracker } from './clear-tracker.ts';
import { NumberList } from '../core/number-list.ts';

/** search(): a block of either class, the higher of the two. */
const ANY = -1;

/**
 * The GPU buddy allocator with the 2026 design (clear tracker, v4): every free block sits in the
 * free trees, clear or dirty; buddies always coalesce on free; cleared free memory survives
 * merges and splits, so no force-merge is ever needed.
 *
 * Where the cleared memory is known:
 *   a free block all of it cleared      the CLEAR_SLOT free tree of its order (nothing else)
 *   cleared parts of a mixed free block  the ClearTracker, as maximal extents
 *   dirty free blocks, allocated blocks  nowhere (nothing is clear)
 * So a driver that never frees cleared memory never touches the tracker, and a clear allocation
 * served by an all-cleared block (the common case) costs one free-tree lookup, as a dirty one does.
 * The tracker is updated only where clear and dirty memory meet: a merge of a cleared block with
 * a dirty or mixed buddy, a split of a mixed block, and taking a mixed block.
 *
 * - Dirty allocations take blocks with dirty memory first (the highest of the smallest order
 *   that has one) and split toward the dirtier half, so cleared memory stays while dirty
 *   memory can serve.
 * - Clear allocations take the smallest all-cleared block, else steer into a cleared extent
 *   inside a mixed block (O(log E)), splitting toward it, else any free block.
 * - A block reports clear iff the allocation asked for clear memory and all of it was cleared;
 *   clearAvail (all-cleared blocks plus tracked extents) is exact at all times.
 */
export class BuddyAllocator extends BuddyCore {
  private readonly tracker = new ClearTracker();
  /** Clear ranges the allocation in progress took out of the tracker (start, end pairs). */
  private readonly clearLog = new NumberList();

  constructor(options: BuddyAllocatorOptions) {
    super(options);
  }

  get clearAvail(): number {
    return this.clearBlockBytes + this.tracker.total;
  }

  protected override mixedClearExtents(): IterableIterator<{ start: number; end: number }> {
    return this.tracker.extents();
  }

  resetClear(isClear: boolean): void {
    requireBoolean('isClear', isClear);
    const pool = this.pool;
    this.tracker.reset();
    // One walk over the block tree: every free block moves to the tree of its new class.
    const stack = Array.from(this.roots);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (pool.state[n] === SPLIT) {
        stack.push(pool.hi[n]!, pool.lo[n]!);
      } else if (pool.state[n] === FREE) {
        this.unlink(n);
        pool.clear[n] = isClear ? CLEAR : DIRTY;
        this.link(n);
      }
    }
  }

  // ---- policy ---------------------------------------------------------------------------------

  /**
   * Clear requests: the smallest all-cleared block, else steer into a cleared extent inside a
   * mixed block, else any block. Dirty requests: the highest block with dirty memory of the
   * smallest order that has one, splitting toward the dirtier half, else any block.
   */
  protected findFree(k: number, topDown: boolean, clear: boolean): number {
    if (clear && this.clearAvail > 0) {
      const n = this.search(k, topDown, CLEAR_SLOT, 1);
      if (n !== NIL) return this.splitDown(n, k, Pick.Right, 0);
      const p = this.tracker.highestPlacement(this.bytes[k]!);
      if (p >= 0) return this.splitDown(this.blockAt(p), k, Pick.Toward, p);
    }
    if (!clear) {
      // The common case first: the order's own tree has a block (every mark is >= 1), and
      // search() would return its last one, already of order k (no split).
      const last = topDown ? NIL : this.pool.last[this.tree(k, UNCLEAR_SLOT)]!;
      if (last !== NIL) return last;
      const n = this.search(k, topDown, UNCLEAR_SLOT, 1);
      if (n !== NIL) return this.splitDown(n, k, Pick.AvoidClear, 0);
      if (this.clearBlockBytes === 0) return NIL;
    }
    const n = this.search(k, topDown, ANY, 1);
    return n === NIL ? NIL : this.splitDown(n, k, clear ? Pick.Right : Pick.AvoidClear, 0);
  }

  protected findAligned(k: number, align: number, _topDown: boolean, clear: boolean): number {
    const a = ilog2(align);
    if (clear && this.clearAvail > 0) {
      const n = this.search(k, false, CLEAR_SLOT, a + 1);
      if (n !== NIL) return this.splitDown(n, k, Pick.Aligned, align);
      // A whole cleared aligned window of `align` bytes: one O(log E) descent (see ClearTracker).
      const p = this.tracker.highestPlacement(align);
      if (p >= 0) return this.splitDown(this.blockAt(p), k, Pick.Toward, p);
    }
    if (!clear) {
      const n = this.search(k, false, UNCLEAR_SLOT, a + 1);
      if (n !== NIL) return this.splitDown(n, k, Pick.AlignedAvoidClear, align);
      if (this.clearBlockBytes === 0) return NIL;
    }
    const n = this.search(k, false, ANY, a + 1);
    return n === NIL ? NIL : this.splitDown(n, k, Pick.Aligned, align);
  }

  /**
   * The highest block with an alignment mark >= threshold in the `slot` trees (ANY: in either)
   * of the smallest order >= k that has one, or with topDown the highest over all orders >= k
   * (get_maxblock).
   */
  private search(k: number, topDown: boolean, slot: number, threshold: number): number {
    const pool = this.pool;
    let best = NIL;
    for (let j = k; j <= this.maxOrder; j++) {
      let n: number;
      if (slot !== ANY) {
        n = this.lastIn(this.tree(j, slot), threshold);
      } else {
        n = this.lastIn(this.tree(j, UNCLEAR_SLOT), threshold);
        const c = this.lastIn(this.tree(j, CLEAR_SLOT), threshold);
        if (n === NIL || (c !== NIL && pool.key[c]! > pool.key[n]!)) n = c;
      }
      if (n === NIL) continue;
      if (!topDown) return n;
      if (best === NIL || pool.key[n]! > pool.key[best]!) best = n;
    }
    return best;
  }

  /** A child of a mixed block takes its state from the tracker; an all-cleared one leaves it. */
  protected childClear(parent: number, offset: number, k: number): number {
    const state = this.pool.clear[parent]!;
    if (state !== MIXED) return state;
    const size = this.bytes[k]!;
    const child = this.tracker.coverage(offset, size);
    if (child === CLEAR) this.tracker.markDirty(offset, size);
    return child;
  }

  protected mayMerge(): boolean {
    return true;
  }

  /** Buddies of different states make a mixed parent: an all-cleared one enters the tracker. */
  protected mergedClear(n: number, b: number): number {
    const pool = this.pool;
    const a = pool.clear[n]!;
    const c = pool.clear[b]!;
    if (a === c) return a;
    if (a === CLEAR) this.tracker.markClear(pool.key[n]!, this.bytes[pool.order[n]!]!);
    else if (c === CLEAR) this.tracker.markClear(pool.key[b]!, this.bytes[pool.order[b]!]!);
    return MIXED;
  }

  protected onTake(n: number): void {
    // An all-cleared or dirty block holds nothing the tracker knows about; its state says it all.
    if (this.pool.clear[n] !== MIXED) return;
    // Record the pieces: a rollback or trim restores the clear pieces under it.
    this.tracker.markDirty(this.pool.key[n]!, this.bytes[this.pool.order[n]!]!, this.clearLog);
  }

  protected restoreClear(lo: number, hi: number): void {
    const log = this.clearLog.data;
    for (let i = 0; i < this.clearLog.length; i += 2) {
      const s = Math.max(log[i]!, lo);
      const e = Math.min(log[i + 1]!, hi);
      if (s < e) this.tracker.markClear(s, e - s);
    }
  }

  protected onBegin(): void {
    this.clearLog.clear();
  }

  // ---- check ----------------------------------------------------------------------------------

  protected checkFree(n: number, buddyFree: boolean): number {
    const pool = this.pool;
    const off = pool.key[n]!;
    const size = this.bytes[pool.order[n]!]!;
    const state = pool.clear[n]!;
    invariant(!buddyFree, `free block ${off} has a free buddy (coalescing is unconditional)`);
    const overlap = this.tracker.overlap(off, size);
    if (state === MIXED) invariant(overlap > 0 && overlap < size, `mixed free block ${off}: the tracker holds ${overlap} of its ${size} bytes`);
    else invariant(overlap === 0, `free block ${off} in state ${state} overlaps ${overlap} tracked bytes`);
    return state === CLEAR ? size : overlap;
  }

  protected checkAllocated(n: number): void {
    const off = this.pool.key[n]!;
    const overlap = this.tracker.overlap(off, this.bytes[this.pool.order[n]!]!);
    invariant(overlap === 0, `allocated block ${off} overlaps ${overlap} cleared bytes`);
  }

  protected checkTotals(inFree: number): void {
    this.tracker.check();
    invariant(inFree === this.clearAvail, `clearAvail is ${this.clearAvail}, free blocks hold ${inFree} cleared bytes`);
  }
}
