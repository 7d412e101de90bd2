import { ilog2 } from '../core/bits.ts';
import { NIL } from '../core/rb-forest.ts';
import { invariant } from '../core/errors.ts';
import { requireBoolean } from '../core/validate.ts';
import type { BuddyAllocatorOptions } from './api.ts';
import { CLEAR, DIRTY, FREE } from './block-pool.ts';
import { BuddyCore, CLEAR_SLOT, Pick, UNCLEAR_SLOT as DIRTY_SLOT } from './buddy-core.ts';

/**
 * The GPU buddy allocator as it was before the 2026 clear tracker (buddy.c @0eaed89c), kept as
 * the honest baseline: two free trees per order (clear and dirty), a block's clear bit travels
 * with it (children inherit it on split), buddies merge only when their clear states match
 * (both clear -> the parent is clear), and when an allocation would fail while cleared memory
 * exists, __force_merge scans the small orders and merges mismatched buddies regardless of
 * state (dropping their clear bit). resetClear force-merges everything first.
 */
export class LegacyBuddyAllocator extends BuddyCore {
  /** Allocations that hit the merge barrier and force-merged, and the free blocks examined. */
  forceMerges = 0;
  forceMergeVisits = 0;
  protected override readonly rangeFirstPassFilters = true;
  protected override readonly tryHarderByAddress = false;

  constructor(options: BuddyAllocatorOptions) {
    super(options);
  }

  get clearAvail(): number {
    return this.clearBlockBytes;
  }

  resetClear(isClear: boolean): void {
    requireBoolean('isClear', isClear);
    const pool = this.pool;
    this.mergeEverything();
    const from = isClear ? DIRTY_SLOT : CLEAR_SLOT;
    for (let k = 0; k <= this.maxOrder; k++) {
      const tree = this.tree(k, from);
      for (let n = pool.first[tree]!; n !== NIL; ) {
        const next = pool.succ[n]!;
        this.unlink(n);
        pool.clear[n] = isClear ? CLEAR : DIRTY;
        this.link(n);
        n = next;
      }
    }
  }

  // ---- policy ---------------------------------------------------------------------------------

  /** alloc_from_freetree: the preferred tree (topDown: its highest block), then the other one. */
  protected findFree(k: number, topDown: boolean, clear: boolean): number {
    const pool = this.pool;
    const preferred = clear ? CLEAR_SLOT : DIRTY_SLOT;
    let n = NIL;
    for (let j = k; j <= this.maxOrder; j++) {
      const last = pool.last[this.tree(j, preferred)]!;
      if (last === NIL) continue;
      if (!topDown) {
        n = last;
        break;
      }
      if (n === NIL || pool.key[last]! > pool.key[n]!) n = last;
    }
    for (let j = k; n === NIL && j <= this.maxOrder; j++) n = pool.last[this.tree(j, 1 - preferred)]!;
    return n === NIL ? NIL : this.splitDown(n, k, Pick.Right, 0);
  }

  /** gpu_buddy_offset_aligned_allocation: per order, the preferred tree, then the other. */
  protected findAligned(k: number, align: number, _topDown: boolean, clear: boolean): number {
    const a = ilog2(align);
    const preferred = clear ? CLEAR_SLOT : DIRTY_SLOT;
    for (let j = k; j <= this.maxOrder; j++) {
      let n = this.lastIn(this.tree(j, preferred), a + 1);
      if (n === NIL) n = this.lastIn(this.tree(j, 1 - preferred), a + 1);
      if (n !== NIL) return this.splitDown(n, k, Pick.Aligned, align);
    }
    return NIL;
  }

  protected childClear(parent: number): number {
    return this.pool.clear[parent]!;
  }

  protected mayMerge(n: number, buddy: number): boolean {
    return this.pool.clear[n] === this.pool.clear[buddy];
  }

  protected mergedClear(n: number): number {
    return this.pool.clear[n]!;
  }

  protected override rangeIncompatible(n: number, clear: boolean): boolean {
    return (this.pool.clear[n] === CLEAR) !== clear;
  }

  protected override defragment(start: number, end: number, minOrder: number): boolean {
    if (this.clearBlockBytes === 0) return false;
    this.forceMerges++;
    return this.breakMergeBarrier(start, end, minOrder);
  }

  /**
   * How a failing request inside [start, end) gets blocks of minOrder back from mismatched free
   * buddies: __force_merge, piecemeal up to the first block of minOrder. The reviewers'
   * alternatives (legacy-alternatives.ts) replace this one step. True if worth a retry.
   */
  protected breakMergeBarrier(start: number, end: number, minOrder: number): boolean {
    return this.forceMerge(start, end, minOrder);
  }

  /** Merges every free buddy pair in the space, whatever its clear state (fini, resetClear). */
  protected mergeEverything(): void {
    const pool = this.pool;
    for (let i = 0; i < this.rootCount; i++) {
      const r = this.roots[i]!;
      this.forceMerge(pool.key[r]!, pool.key[r]! + this.bytes[pool.order[r]!]!, pool.order[r]!);
    }
  }

  /**
   * __force_merge: for orders minOrder-1 down to 0, both trees, highest offset first, free every
   * block inside [start, end) whose buddy is free (so of the other clear state) with force,
   * merging up regardless of state. True once a merge reaches minOrder. O(N x orders).
   */
  protected forceMerge(start: number, end: number, minOrder: number): boolean {
    if (minOrder === 0 || minOrder > this.maxOrder) return false;
    const pool = this.pool;
    for (let k = minOrder - 1; k >= 0; k--) {
      for (let slot = 0; slot < 2; slot++) {
        const tree = this.tree(k, slot);
        for (let n = pool.last[tree]!; n !== NIL; ) {
          this.forceMergeVisits++;
          const prev = pool.pred[n]!;
          const p = pool.up[n]!;
          const off = pool.key[n]!;
          if (p !== NIL && off >= start && off + this.bytes[k]! <= end) {
            const buddy = pool.lo[p] === n ? pool.hi[p]! : pool.lo[p]!;
            if (pool.state[buddy] === FREE) {
              this.unlink(n);
              if (this.release(n, true) >= minOrder) return true;
            }
          }
          n = prev;
        }
      }
    }
    return false;
  }

  protected onTake(): void {}
  protected restoreClear(): void {}
  protected onBegin(): void {}

  // ---- check ----------------------------------------------------------------------------------

  protected checkFree(n: number, buddyFree: boolean): number {
    const pool = this.pool;
    if (buddyFree) {
      const p = pool.up[n]!;
      const buddy = pool.lo[p] === n ? pool.hi[p]! : pool.lo[p]!;
      invariant(pool.clear[n] !== pool.clear[buddy], `free buddies at ${pool.key[n]} share a clear state but did not merge`);
    }
    return pool.clear[n] === CLEAR ? this.bytes[pool.order[n]!]! : 0;
  }

  protected checkAllocated(): void {}

  protected checkTotals(inFree: number): void {
    invariant(inFree === this.clearBlockBytes, `clearAvail is ${this.clearBlockBytes}, clear free blocks hold ${inFree}`);
  }
}
