import { FULLNESS_CLASSES, type GigablockIndex, type GigablockSource } from './index.ts';
import { GigablockPolicy } from './policy.ts';
import { MOVABLE } from '../migratetype.ts';

/**
 * The gigablock search of the RFC's first version, kept to answer Vlastimil Babka's "we'd need
 * to search multiple sets of lists instead of a single one? What about the overhead?": the same
 * picks as GigablockPolicy (so placement is identical), found by visiting gigablocks one by one
 * and looking at each one's own free lists and status fields (taint, fullness), as v1 "has to try
 * several gigablocks almost blindly" — no bitmap of which gigablocks have which free blocks.
 * `examined` counts the gigablocks visited, so its cost reads next to the index's.
 */
export class BlindGigablockPolicy extends GigablockPolicy {
  /** Gigablocks visited by all searches so far. */
  examined = 0;
  private readonly zone: GigablockSource;

  constructor(index: GigablockIndex, maxOrder: number, zone: GigablockSource) {
    super(index, maxOrder);
    this.zone = zone;
  }

  /** The smallest order in [lo, hi] of which gb's own lists hold a block of `mt`, or -1. */
  private smallestOrder(gb: number, lo: number, hi: number, mt: number): number {
    for (let o = lo; o <= hi; o++) if (this.zone.hasFreeBlock(gb, o, mt)) return o;
    return -1;
  }

  override fullestClean(order: number, mt: number): number {
    const index = this.index;
    let best = -1;
    let bestClass = FULLNESS_CLASSES;
    // One pass: the fullest class wins, the lowest gigablock within it (the index's order).
    for (let gb = 0; gb < index.count && bestClass > 0; gb++) {
      this.examined++;
      const c = index.fullnessOf[gb]!;
      if (c < bestClass && !index.isTainted(gb) && this.smallestOrder(gb, order, this.maxOrder, mt) >= 0) {
        best = gb;
        bestClass = c;
      }
    }
    return best < 0 ? -1 : this.picked(best, bestClass, mt);
  }

  override pickMovable(order: number): number {
    const index = this.index;
    const kept = this.preferredMovable();
    let best = -1;
    let bestOrder = this.maxOrder;
    let bestClass = FULLNESS_CLASSES;
    // One pass: the smallest order any clean gigablock holds wins, then the fullest class, then
    // the lowest gigablock; the remembered pick keeps it when it holds that order too.
    for (let gb = 0; gb < index.count && !(bestOrder === order && bestClass === 0); gb++) {
      this.examined++;
      if (index.isTainted(gb)) continue;
      const o = this.smallestOrder(gb, order, bestOrder, MOVABLE);
      if (o < 0) continue;
      const c = index.fullnessOf[gb]!;
      if (o < bestOrder || best < 0 || c < bestClass) {
        best = gb;
        bestOrder = o;
        bestClass = c;
      }
    }
    if (best < 0) return -1;
    if (kept >= 0 && this.zone.hasFreeBlock(kept, bestOrder, MOVABLE)) return kept;
    return this.picked(best, bestClass, MOVABLE);
  }

  override lowestWith(order: number, mt: number): number {
    for (let o = order; o <= this.maxOrder; o++) {
      for (let gb = 0; gb < this.index.count; gb++) {
        this.examined++;
        if (this.zone.hasFreeBlock(gb, o, mt)) return gb;
      }
    }
    return -1;
  }

  override taintedWith(order: number, mt: number): number {
    for (let gb = 0; gb < this.index.count; gb++) {
      this.examined++;
      if (this.index.isTainted(gb) && this.zone.hasFreeBlock(gb, order, mt)) return gb;
    }
    return -1;
  }

  override cleanWhole(c: number, from: number): number {
    const index = this.index;
    for (let gb = from; gb < index.count; gb++) {
      this.examined++;
      if (index.fullnessOf[gb] === c && !index.isTainted(gb) && index.sizeOf(gb) === 2 ** index.shift) return gb;
    }
    return -1;
  }
}
