import { alignUp } from '../core/bits.ts';
import { invariant } from '../core/errors.ts';
import type { BuddyBlock } from './api.ts';
import { BuddyAllocator } from './buddy-allocator.ts';
import { ClearTracker } from './clear-tracker.ts';

/**
 * "Could extent tracking be applied to all contiguous blobs, replacing try_harder?" (Matthew
 * Auld's review of the 2026 clear tracker): the unified design, plus a second extent tree over
 * ALL free memory (cleared or not), kept in step with the free trees. A contiguous request that
 * no single aligned block serves takes the highest free extent that holds it, at a minBlockSize
 * boundary, in O(log E), instead of try-harder's walk over the free blocks of one order, which
 * finds only ranges made of a block and its lower neighbour.
 *
 * The price is an extent update on every free-tree link and unlink (splits and merges included).
 */
export class ExtentBuddyAllocator extends BuddyAllocator {
  /**
   * Every free byte, as maximal extents. Created after the base constructor has linked the roots
   * (link() skips it until then), so the constructor starts it with the whole space.
   */
  private readonly freeExtents: ClearTracker;

  constructor(options: ConstructorParameters<typeof BuddyAllocator>[0]) {
    super(options);
    this.freeExtents = new ClearTracker();
    this.freeExtents.markClear(0, this.size);
  }

  protected override link(n: number): void {
    super.link(n);
    if (this.freeExtents !== undefined) this.freeExtents.markClear(this.pool.key[n]!, this.bytes[this.pool.order[n]!]!);
  }

  protected override unlink(n: number): void {
    super.unlink(n);
    this.freeExtents.markDirty(this.pool.key[n]!, this.bytes[this.pool.order[n]!]!);
  }

  /** The highest minBlockSize-aligned placement of the request in one free extent. */
  protected override contiguousFallback(size: number, min: number, clear: boolean): BuddyBlock[] | undefined {
    const need = alignUp(size, min);
    const at = this.freeExtents.highestPlacement(need, min);
    return at < 0 ? undefined : this.allocRange(at, need, clear);
  }

  override check(): void {
    super.check();
    this.freeExtents.check();
    // The extents are exactly the free blocks, neighbours merged.
    const expected: { start: number; end: number }[] = [];
    for (const b of this.freeBlocks()) {
      const last = expected[expected.length - 1];
      if (last && last.end === b.offset) last.end = b.offset + b.size;
      else expected.push({ start: b.offset, end: b.offset + b.size });
    }
    const actual = [...this.freeExtents.extents()];
    invariant(actual.length === expected.length, `free extents: ${actual.length} tracked, ${expected.length} in the free trees`);
    actual.forEach((e, i) => {
      invariant(e.start === expected[i]!.start && e.end === expected[i]!.end, `free extent ${i} is [${e.start}, ${e.end}), the free trees say [${expected[i]!.start}, ${expected[i]!.end})`);
    });
  }
}
