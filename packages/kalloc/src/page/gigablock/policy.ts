import { Bitmap, findFirstWhere } from '../../core/bitmap.ts';
import { FULLNESS_CLASSES, type GigablockIndex } from './index.ts';
import { MOVABLE, NR_TYPES } from '../migratetype.ts';

/**
 * Which gigablock serves a request: the picking half of the placement policy, split from the
 * allocating half (Zone.rmqueueGigablocks) as the RFC thread asked. Every pick is a word-wise AND
 * of index bitmaps and a find-first-set; none walks a free list.
 *
 *   movable                 the smallest order first, as __rmqueue_smallest: a clean gigablock
 *                           with a movable block of exactly the order, else of the next order up,
 *                           and so on — a larger block is split only when no clean gigablock has
 *                           one of the order. Among those with the order, the remembered pick,
 *                           else the fullest (fullness classes fullest first, the lowest in a
 *                           class), remembered and reused while it stays clean and at most one
 *                           fullness class emptier than it has been since (frees that empty it
 *                           further re-pick), so the steady state costs two reads. Else the
 *                           lowest clean gigablock with a block of another type (a pageblock
 *                           label left behind by pages since freed)
 *   unmovable, reclaimable  the lowest tainted gigablock with a block of the type, remembered
 *                           while it stays tainted; else a fallback type's block inside a tainted
 *                           gigablock; a clean one only when nothing tainted can serve
 *   1 GiB contiguous        clean whole gigablocks, emptiest first (fewest pages to migrate)
 *
 * Taint is the index's count of unmovable and reclaimable pages, not pageblock labels: a clean
 * gigablock may still have unmovable or reclaimable pageblocks whose pages were all freed.
 *
 * Why the smallest order before the fullest gigablock (defect 7 of issue 16): picking the fullest
 * gigablock with a block of the order *or larger*, and staying on it, split its larger blocks
 * while blocks of the exact order lay free in other gigablocks. After long churn near full, the
 * free pages were then scattered over every gigablock in blocks too small to take a migrated
 * order-3 block, and 1-gigablock allocContig obtained fewer ranges than without gigablocks.
 */
export class GigablockPolicy {
  protected readonly index: GigablockIndex;
  protected readonly maxOrder: number;
  /** Per migratetype: the gigablock picked last, or -1. */
  protected readonly preferred = new Int32Array(NR_TYPES).fill(-1);
  /** The lowest fullness class the movable pick has had since it was made. */
  private preferredClass = 0;
  /** Scratch: the gigablocks with a free block of the wanted type and order or larger. */
  private readonly candidates: Bitmap;
  /** findFirstWhere operands, reused so that a pick allocates nothing. */
  private readonly pair: Bitmap[];
  private readonly none: Bitmap[] = [];
  private readonly taintedOnly: Bitmap[];
  /** findFirstWhere's single operand for cleanWith. */
  private readonly one: Bitmap[];

  constructor(index: GigablockIndex, maxOrder: number) {
    this.index = index;
    this.maxOrder = maxOrder;
    this.candidates = new Bitmap(index.count);
    this.pair = [index.tainted, index.tainted];
    this.taintedOnly = [index.tainted];
    this.one = [index.tainted];
  }

  /** The remembered movable gigablock while it is clean and at most one class emptier than it has been, or -1. */
  preferredMovable(): number {
    const gb = this.preferred[MOVABLE]!;
    if (gb < 0) return -1;
    // One class of slack: a gigablock at a class boundary would otherwise re-pick on every
    // alloc/free pair that crosses it.
    const c = this.index.fullnessOf[gb]!;
    if (c > this.preferredClass + 1 || this.index.tainted.get(gb)) return -1;
    if (c < this.preferredClass) this.preferredClass = c;
    return gb;
  }

  /** The remembered gigablock of an unmovable or reclaimable type while it is tainted, or -1. */
  preferredFixed(mt: number): number {
    const gb = this.preferred[mt]!;
    return gb >= 0 && this.index.tainted.get(gb) ? gb : -1;
  }

  /**
   * For a movable request: the clean gigablock holding a movable block of the smallest order
   * >= `order` — the remembered pick when it has one of that order, else the fullest (then
   * remembered); or -1 when no clean gigablock has a movable block of `order` or larger.
   */
  pickMovable(order: number): number {
    const kept = this.preferredMovable();
    for (let o = order; o <= this.maxOrder; o++) {
      if (kept >= 0 && this.index.hasFree[o * NR_TYPES + MOVABLE]!.get(kept)) return kept;
      const gb = this.fullestCleanExactly(o, MOVABLE);
      if (gb >= 0) return gb;
    }
    return -1;
  }

  /** The fullest clean gigablock with a free block of `mt` of order >= `order` (remembered for movable), or -1. */
  fullestClean(order: number, mt: number): number {
    this.candidates.setToUnion(this.index.hasFree, order * NR_TYPES + mt, NR_TYPES);
    return this.fullestAmong(this.candidates, mt);
  }

  /** The fullest clean gigablock with a free block of exactly (order, mt) (remembered for movable), or -1. */
  fullestCleanExactly(order: number, mt: number): number {
    const has = this.index.hasFree[order * NR_TYPES + mt]!;
    this.one[0] = has;
    return findFirstWhere(this.one, this.taintedOnly) < 0 ? -1 : this.fullestAmong(has, mt);
  }

  /** The fullest clean gigablock set in `candidates` (remembered for movable), or -1. */
  private fullestAmong(candidates: Bitmap, mt: number): number {
    const index = this.index;
    const pair = this.pair;
    pair[0] = candidates;
    for (let c = 0; c < FULLNESS_CLASSES; c++) {
      pair[1] = index.fullness[c]!;
      const gb = findFirstWhere(pair, this.taintedOnly);
      if (gb >= 0) return this.picked(gb, c, mt);
    }
    return -1;
  }

  /** Remembers a movable pick of fullness class c; returns gb. */
  protected picked(gb: number, c: number, mt: number): number {
    if (mt === MOVABLE) {
      this.preferred[MOVABLE] = gb;
      this.preferredClass = c;
    }
    return gb;
  }

  /** The lowest gigablock with a free block of `mt` and the smallest order >= `order`, or -1. */
  lowestWith(order: number, mt: number): number {
    for (let o = order; o <= this.maxOrder; o++) {
      const gb = this.index.hasFree[o * NR_TYPES + mt]!.findFirst();
      if (gb >= 0) return gb;
    }
    return -1;
  }

  /** For an unmovable or reclaimable request: the lowest tainted gigablock with a free block of `mt` and the smallest order >= `order`, remembered; or -1. */
  pickFixed(order: number, mt: number): number {
    for (let o = order; o <= this.maxOrder; o++) {
      const gb = this.taintedWith(o, mt);
      if (gb < 0) continue;
      this.preferred[mt] = gb;
      return gb;
    }
    return -1;
  }

  /** The lowest tainted gigablock with a free block of exactly (order, mt), or -1. */
  taintedWith(order: number, mt: number): number {
    const pair = this.pair;
    pair[0] = this.index.hasFree[order * NR_TYPES + mt]!;
    pair[1] = this.index.tainted;
    return findFirstWhere(pair, this.none);
  }

  /** The lowest clean gigablock with a free block of exactly (order, mt), or -1. */
  cleanWith(order: number, mt: number): number {
    const one = this.one;
    one[0] = this.index.hasFree[order * NR_TYPES + mt]!;
    return findFirstWhere(one, this.taintedOnly);
  }

  /** The first clean whole gigablock >= from in fullness class c, or -1. */
  cleanWhole(c: number, from: number): number {
    const pair = this.pair;
    pair[0] = this.index.whole;
    pair[1] = this.index.fullness[c]!;
    return findFirstWhere(pair, this.taintedOnly, from);
  }
}
