import { alignDown, alignUp, roundDownPow2 } from '../core/bits.ts';
import { invariant } from '../core/errors.ts';
import { NIL, RbForest } from '../core/rb-forest.ts';
import type { NumberList } from '../core/number-list.ts';
import { lastAtLeast } from './tree-search.ts';
import { CLEAR, DIRTY, MIXED } from './block-pool.ts';

const SIZE = 0; // lane: extent length
const CAP = 1; // lane: largest naturally aligned power of two block inside the extent
/** Neighbours a finger search steps over before it falls back to a descent from the root. */
const FINGER_STEPS = 8;

/**
 * The 2026 gpu_buddy clear tracker: the free address ranges known to be zeroed, kept as maximal
 * non-overlapping extents [start, end) in an augmented interval tree keyed by start.
 *
 * Two augmented lanes per extent:
 *   SIZE  end - start                          (the kernel's subtree_max_size)
 *   CAP   the largest power of two P such that an address aligned to P and the P bytes after
 *         it fit inside the extent
 *
 * CAP is what keeps the alignment-aware search O(log E). For power-of-two `size`, an extent can
 * place `size` bytes at a `size`-aligned address iff CAP >= size (a P-aligned P-block with
 * P >= size contains a size-aligned size-block, and conversely). So "subtree max CAP >= size" is
 * both necessary and sufficient for "this subtree holds a qualifying extent", and the search is
 * one descent. A SIZE test alone is not enough: an extent of size + align - 1 bytes may still
 * miss (start just past an aligned address), and many such near misses would make the search
 * linear. CAP is cheap: with L = end - start and P = 2^floor(log2 L), CAP is P or P/2, since any
 * run of 2Q bytes contains an aligned Q-block.
 */
export class ClearTracker {
  private readonly tree: RbForest;
  private totalClear = 0;
  /**
   * The extent the last update touched. Allocations and frees come in address runs (a batch
   * takes the highest cleared blocks one below the other, and frees them back in order), so the
   * next update's extent is usually a neighbour or two away: stepping the threaded links costs
   * a few loads where a descent costs one dependent load and a mispredicted branch per level.
   */
  private finger = NIL;
  /** Scratch stack for the general (align != size) search; reused, never shrinks. */
  private readonly stack: number[] = [];

  constructor(capacity = 64) {
    this.tree = new RbForest({ trees: 1, lanes: 2, capacity });
  }

  /** Bytes covered by extents. */
  get total(): number {
    return this.totalClear;
  }

  get extentCount(): number {
    return this.tree.count(0);
  }

  /** Extents in ascending order (not for hot paths). */
  *extents(): IterableIterator<{ start: number; end: number }> {
    const t = this.tree;
    for (const n of t.nodes(0)) yield { start: t.key[n]!, end: t.key[n]! + t.value(n, SIZE) };
  }

  reset(): void {
    const t = this.tree;
    for (let n = t.first[0]!; n !== NIL; ) {
      const next = t.succ[n]!;
      t.remove(0, n);
      t.release(n);
      n = next;
    }
    this.totalClear = 0;
  }

  /** Marks [start, start+size) clear, merging with every extent it touches or overlaps. */
  markClear(start: number, size: number): void {
    if (size <= 0) return;
    const t = this.tree;
    let lo = start;
    let hi = start + size;
    let covered = 0; // bytes of the merged span that were already clear
    // One search finds the extent at or below start; the ones above it follow by threading.
    let keep = this.floorNear(start);
    let y: number;
    if (keep !== NIL && t.key[keep]! + t.value(keep, SIZE) >= start) {
      lo = t.key[keep]!;
      hi = Math.max(hi, lo + t.value(keep, SIZE));
      covered += t.value(keep, SIZE);
      y = t.succ[keep]!;
    } else {
      y = keep === NIL ? t.first[0]! : t.succ[keep]!;
      keep = NIL;
    }
    while (y !== NIL && t.key[y]! <= hi) {
      const ys = t.key[y]!;
      const ysize = t.value(y, SIZE);
      hi = Math.max(hi, ys + ysize);
      covered += ysize;
      const next = t.succ[y]!;
      if (keep === NIL) {
        // No extent below to grow: this one grows down to lo instead (it stays in key order,
        // as the extent before it ends below start), saving a removal and an insertion.
        keep = y;
      } else {
        t.remove(0, y);
        t.release(y);
      }
      y = next;
    }
    if (keep !== NIL) this.setExtent(keep, lo, hi);
    else keep = this.insertExtent(lo, hi, y);
    this.finger = keep;
    this.totalClear += hi - lo - covered;
  }

  /**
   * Marks [start, start+size) dirty: extents inside it go, an extent around it splits in two,
   * extents across an edge are trimmed. Returns the bytes that were clear. When `log` is given,
   * each removed clear piece is appended to it as a start, end pair (so a caller can undo).
   */
  markDirty(start: number, size: number, log?: NumberList): number {
    if (this.totalClear === 0 || size <= 0) return 0;
    const t = this.tree;
    const end = start + size;
    let x = this.floorNear(start);
    // The finger for next time: the extent at or below start, or the one before it if this
    // update removes it whole (extents below start are never touched).
    const found = x;
    const before = x === NIL ? NIL : t.pred[x]!;
    if (x === NIL) x = t.first[0]!;
    else if (t.key[x]! + t.value(x, SIZE) <= start) x = t.succ[x]!;
    let removed = 0;
    while (x !== NIL && t.key[x]! < end) {
      const xs = t.key[x]!;
      const xe = xs + t.value(x, SIZE);
      const cutLo = Math.max(xs, start);
      const cutHi = Math.min(xe, end);
      removed += cutHi - cutLo;
      log?.pushPair(cutLo, cutHi);
      const next = t.succ[x]!;
      if (xs >= start && xe <= end) {
        t.remove(0, x);
        t.release(x);
      } else if (xs < start && xe > end) {
        this.setExtent(x, xs, start);
        this.insertExtent(end, xe, next);
        break;
      } else if (xs < start) {
        this.setExtent(x, xs, start);
      } else {
        this.setExtent(x, end, xe);
      }
      x = next;
    }
    this.finger = found !== NIL && t.isLinked(found) ? found : before;
    this.totalClear -= removed;
    return removed;
  }

  /**
   * How much of [start, start+size) is clear: CLEAR if one extent covers all of it, MIXED if
   * some of it, DIRTY if none. One lookup: the last extent starting inside the range decides.
   */
  coverage(start: number, size: number): number {
    if (this.totalClear === 0) return DIRTY;
    const t = this.tree;
    const end = start + size;
    const x = this.floorNear(end - 1);
    if (x === NIL || t.key[x]! + t.value(x, SIZE) <= start) return DIRTY;
    return t.key[x]! <= start && t.key[x]! + t.value(x, SIZE) >= end ? CLEAR : MIXED;
  }

  /** Clear bytes inside [start, start+size). */
  overlap(start: number, size: number): number {
    const t = this.tree;
    const end = start + size;
    let x = t.floor(0, start);
    if (x === NIL) x = t.first[0]!;
    let bytes = 0;
    for (; x !== NIL && t.key[x]! < end; x = t.succ[x]!) {
      const xe = t.key[x]! + t.value(x, SIZE);
      bytes += Math.max(0, Math.min(xe, end) - Math.max(t.key[x]!, start));
    }
    return bytes;
  }

  /**
   * The highest-address extent that can place `size` bytes at an `align`-aligned address
   * (align(start) + size <= end), as its start offset; -1 if none. Both are powers of two.
   *
   * align === size (every buddy block is naturally aligned) is one O(log E) descent on CAP.
   * Otherwise the search is still exact: it prunes subtrees that fail the necessary condition
   * (CAP >= min(size, align) and SIZE >= size) and takes the first extent, right to left, that
   * passes the exact test; extents with CAP >= max(size, align) always pass, so the walk stops
   * at the first subtree holding one. Its cost is O(log E) plus the near misses it steps over.
   */
  find(size: number, align = size): number {
    const n = this.findExtent(size, align);
    return n === NIL ? -1 : this.tree.key[n]!;
  }

  /** The highest `align`-aligned address p in the extent found by find() with p + size <= end; -1 if none. */
  highestPlacement(size: number, align = size): number {
    const n = this.findExtent(size, align);
    if (n === NIL) return -1;
    const end = this.tree.key[n]! + this.tree.value(n, SIZE);
    return alignDown(end - size, align);
  }

  private findExtent(size: number, align: number): number {
    if (this.totalClear < size) return NIL;
    const t = this.tree;
    if (align === size) return lastAtLeast(t, 0, CAP, size);
    const capNeed = Math.min(size, align);
    const lanes = t.lanes;
    const max = t.max;
    const stack = this.stack;
    stack.length = 0;
    // Reverse in-order walk with pruning: a pushed node means "visit right subtree, node, left".
    let x = t.roots[0]!;
    while (x !== NIL || stack.length > 0) {
      while (x !== NIL && max[x * lanes + CAP]! >= capNeed && max[x * lanes + SIZE]! >= size) {
        stack.push(x);
        x = t.right[x]!;
      }
      if (stack.length === 0) break;
      const n = stack.pop()!;
      const s = t.key[n]!;
      if (alignUp(s, align) + size <= s + t.value(n, SIZE)) return n;
      x = t.left[n]!;
    }
    return NIL;
  }

  /** Verifies the tree, maximality (no touching extents), the lanes and the total. */
  check(): void {
    const t = this.tree;
    t.checkTree(0, 'clear tracker');
    let sum = 0;
    let prevEnd = -1;
    for (const n of t.nodes(0)) {
      const s = t.key[n]!;
      const size = t.value(n, SIZE);
      invariant(size > 0, `clear tracker: empty extent at ${s}`);
      invariant(s > prevEnd, `clear tracker: extents touch or overlap at ${s}`);
      invariant(t.value(n, CAP) === capacityOf(s, s + size), `clear tracker: CAP of extent ${s} is stale`);
      prevEnd = s + size;
      sum += size;
    }
    invariant(sum === this.totalClear, `clear tracker: total ${this.totalClear} but extents hold ${sum}`);
  }

  /** Links a new extent [lo, hi) whose successor is `next` (NIL: it goes last): no descent then. */
  private insertExtent(lo: number, hi: number, next: number): number {
    const t = this.tree;
    const n = t.create(lo);
    t.init(n, SIZE, hi - lo);
    t.init(n, CAP, capacityOf(lo, hi));
    if (next !== NIL) t.insertBefore(0, n, next);
    else t.insert(0, n);
    return n;
  }

  /** tree.floor(key), walking at most FINGER_STEPS links from the finger before descending. */
  private floorNear(key: number): number {
    const t = this.tree;
    let f = this.finger;
    if (f !== NIL && t.isLinked(f)) {
      if (t.key[f]! <= key) {
        for (let i = 0; i < FINGER_STEPS; i++) {
          const s = t.succ[f]!;
          if (s === NIL || t.key[s]! > key) return f;
          f = s;
        }
      } else {
        for (let i = 0; i < FINGER_STEPS; i++) {
          f = t.pred[f]!;
          if (f === NIL || t.key[f]! <= key) return f;
        }
      }
    }
    return t.floor(0, key);
  }

  private setExtent(n: number, lo: number, hi: number): void {
    const t = this.tree;
    t.setKey(n, lo);
    t.val[n * 2 + SIZE] = hi - lo;
    t.val[n * 2 + CAP] = capacityOf(lo, hi);
    t.propagate(n);
  }
}

/** The largest power of two P with an aligned P-block inside [lo, hi) (P or P/2, see above). */
function capacityOf(lo: number, hi: number): number {
  const len = hi - lo;
  const p = len < 0x80000000 ? 1 << (31 - Math.clz32(len)) : roundDownPow2(len);
  return alignUp(lo, p) + p <= hi ? p : p / 2;
}
