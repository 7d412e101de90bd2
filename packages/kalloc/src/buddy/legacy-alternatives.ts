import { invariant } from '../core/errors.ts';
import { NumberList } from '../core/number-list.ts';
import { NIL } from '../core/rb-forest.ts';
import { FREE } from './block-pool.ts';
import { CLEAR_SLOT, UNCLEAR_SLOT } from './buddy-core.ts';
import { LegacyBuddyAllocator } from './legacy-buddy-allocator.ts';

/**
 * Two answers Matthew Auld's review of the 2026 clear tracker proposed instead of replacing the
 * dual-tree design: keep the two trees and the merge barrier, and change only how a failing
 * allocation breaks the barrier. Both have LegacyBuddyAllocator's behaviour otherwise.
 */

/**
 * "Could force_merge be done all in one go?": at the first allocation that hits the barrier,
 * merge every mismatched free buddy pair in the whole space (the walk resetClear does), instead
 * of merging piecemeal up to the first block of the order asked for. Later failures find
 * nothing left to merge until frees rebuild the barrier.
 */
export class FullMergeBuddyAllocator extends LegacyBuddyAllocator {
  protected override breakMergeBarrier(): boolean {
    this.mergeEverything();
    return true;
  }
}

/**
 * "Could a per-order list of failed merges be kept?": free() records, per order, each block
 * whose free buddy it could not merge with (their clear states differ), so a failing allocation
 * visits only those blocks instead of scanning the free trees. Entries go stale when a block is
 * taken, merged or its node reused; they are checked when visited and pruned when a list
 * outgrows the free blocks of its order. check() verifies that every mismatched free pair has a
 * member listed.
 */
export class FailedMergeListBuddyAllocator extends LegacyBuddyAllocator {
  /** Per order, nodes that were refused a merge (possibly stale). */
  private readonly failed: NumberList[];

  constructor(options: ConstructorParameters<typeof LegacyBuddyAllocator>[0]) {
    super(options);
    this.failed = Array.from({ length: this.maxOrder + 1 }, () => new NumberList());
  }

  protected override onMergeRefused(n: number): void {
    const k = this.pool.order[n]!;
    const list = this.failed[k]!;
    list.push(n);
    // Bound the list: stale entries beyond twice the free blocks of the order are dropped.
    const free = this.pool.count(this.tree(k, CLEAR_SLOT)) + this.pool.count(this.tree(k, UNCLEAR_SLOT));
    if (list.length > 2 * free + 64) this.prune(k);
  }

  /** Visits the listed blocks of orders minOrder-1 down to 0 inside [start, end), force-merging each. */
  protected override breakMergeBarrier(start: number, end: number, minOrder: number): boolean {
    if (minOrder === 0 || minOrder > this.maxOrder) return false;
    for (let k = minOrder - 1; k >= 0; k--) {
      const list = this.failed[k]!;
      for (let i = list.length - 1; i >= 0; i--) {
        this.forceMergeVisits++;
        const n = list.data[i]!;
        if (!this.isMismatchedPair(n, k)) {
          removeAt(list, i);
          continue;
        }
        const off = this.pool.key[n]!;
        if (off < start || off + this.bytes[k]! > end) continue;
        removeAt(list, i);
        this.unlink(n);
        if (this.release(n, true) >= minOrder) return true;
      }
    }
    return false;
  }

  /** Whether node n is a free order-k block whose buddy is free too (so of the other clear state). */
  private isMismatchedPair(n: number, k: number): boolean {
    const pool = this.pool;
    if (n >= pool.state.length || pool.state[n] !== FREE || pool.order[n] !== k || !pool.isLinked(n)) return false;
    const p = pool.up[n]!;
    if (p === NIL) return false;
    const buddy = pool.lo[p] === n ? pool.hi[p]! : pool.lo[p]!;
    return pool.state[buddy] === FREE;
  }

  private prune(k: number): void {
    const list = this.failed[k]!;
    for (let i = list.length - 1; i >= 0; i--) if (!this.isMismatchedPair(list.data[i]!, k)) removeAt(list, i);
  }

  override check(): void {
    super.check();
    const pool = this.pool;
    const listed = new Set<number>();
    for (const list of this.failed) for (let i = 0; i < list.length; i++) listed.add(list.data[i]!);
    for (const b of this.freeBlocks()) {
      const k = Math.log2(b.size / this.chunkSize);
      const n = pool.find(this.tree(k, b.clear ? CLEAR_SLOT : UNCLEAR_SLOT), b.offset);
      if (!this.isMismatchedPair(n, k)) continue;
      const p = pool.up[n]!;
      const buddy = pool.lo[p] === n ? pool.hi[p]! : pool.lo[p]!;
      invariant(listed.has(n) || listed.has(buddy), `mismatched free buddies at ${b.offset} are missing from the failed-merge list`);
    }
  }
}

/** Removes entry i by moving the last entry into its place (order does not matter). */
function removeAt(list: NumberList, i: number): void {
  list.data[i] = list.data[list.length - 1]!;
  list.pop();
}
