import { fault } from '../core/errors.ts';
import { invariant } from '../core/errors.ts';
import { OffsetMap } from '../core/offset-map.ts';
import { NIL, RbForest } from '../core/rb-forest.ts';
import { alignUp } from '../core/bits.ts';
import {
  busyPairs,
  checkTiling,
  RangeRequest,
  readClaim,
  readOffset,
  readSpace,
  type FreeArea,
  type RangeAllocatorApi,
  type RangeAllocatorOptions,
  type RangeAllocOptions,
  type RangeStats,
} from './range-api.ts';

const TREE = 0;

/**
 * The vmalloc free-area allocator (Rezki, Linux 5.2): the free space is a set of maximal free
 * areas in one augmented red-black tree keyed by start address, each node carrying its area's
 * size and its subtree's largest size. alloc() finds the lowest area that fits in O(log N) by
 * skipping subtrees too small to help; free() merges with both neighbours, found in O(1) through
 * the tree's threaded order. Live allocations sit in an offset -> size hash.
 *
 * Unlike the kernel, which searches with size + align - 1 when align > PAGE_SIZE (a fit, not
 * always the lowest), the search here is exact for every alignment: see lowestFit().
 */
export class RangeAllocator implements RangeAllocatorApi {
  readonly start: number;
  readonly end: number;
  /** Free areas: key = start, lane 0 = size (augmented with the subtree's largest size). */
  private readonly areas: RbForest;
  /** Live allocations: offset -> size. */
  private readonly live: OffsetMap;
  private readonly request = new RangeRequest();
  private used = 0;

  constructor(options: RangeAllocatorOptions) {
    const space = readSpace(options);
    this.start = space.start;
    this.end = space.end;
    this.areas = new RbForest({ trees: 1, lanes: 1, capacity: 64 });
    this.live = new OffsetMap(64);
    const whole = this.areas.create(space.start);
    this.areas.init(whole, 0, space.end - space.start);
    this.areas.insert(TREE, whole);
  }

  alloc(size: number, options?: RangeAllocOptions): number | undefined {
    const req = this.request;
    req.read(size, options, this.start, this.end);
    const area = this.lowestFit(req.size, req.align, req.start);
    if (area === NIL) return undefined;
    const areaStart = this.areas.key[area]!;
    const at = alignUp(areaStart > req.start ? areaStart : req.start, req.align);
    // Like the kernel, the window's end is checked after the search: the lowest fit is the only
    // candidate, every other one lies higher.
    if (size > req.end - at) return undefined;
    this.carve(area, at, size);
    this.live.set(at, size);
    this.used += size;
    return at;
  }

  allocAt(offset: number, size: number): boolean {
    readClaim(offset, size, this.start, this.end);
    const area = this.areas.floor(TREE, offset);
    if (area === NIL || this.areas.key[area]! + this.areas.val[area]! - offset < size) return false;
    this.carve(area, offset, size);
    this.live.set(offset, size);
    this.used += size;
    return true;
  }

  free(offset: number): number {
    readOffset(offset);
    const size = this.live.delete(offset);
    if (size === undefined) throw fault(`offset = ${offset}: not an allocated offset (never allocated, or already freed)`);
    this.used -= size;
    this.merge(offset, size);
    return size;
  }

  sizeOf(offset: number): number | undefined {
    return typeof offset === 'number' ? this.live.get(offset) : undefined;
  }

  get freeBytes(): number {
    return this.end - this.start - this.used;
  }

  get usedBytes(): number {
    return this.used;
  }

  get largestFree(): number {
    const root = this.areas.root(TREE);
    return root === NIL ? 0 : this.areas.max[root]!;
  }

  get freeAreaCount(): number {
    return this.areas.count(TREE);
  }

  get allocationCount(): number {
    return this.live.size;
  }

  *freeAreas(): IterableIterator<FreeArea> {
    for (const n of this.areas.nodes(TREE)) {
      const start = this.areas.key[n]!;
      yield { start, end: start + this.areas.val[n]! };
    }
  }

  stats(): RangeStats {
    return {
      design: 'free-area tree',
      start: this.start,
      end: this.end,
      freeBytes: this.freeBytes,
      usedBytes: this.used,
      largestFree: this.largestFree,
      freeAreaCount: this.freeAreaCount,
      allocationCount: this.allocationCount,
      metadataBytes: this.areas.byteLength + this.live.byteLength,
    };
  }

  check(): void {
    this.areas.checkTree(TREE, 'free-area tree');
    const free: number[] = [];
    for (const { start, end } of this.freeAreas()) free.push(start, end);
    let used = 0;
    for (const [, size] of this.live.entries()) used += size;
    invariant(used === this.used, () => `usedBytes is ${this.used} but live allocations hold ${used}`);
    checkTiling(this.start, this.end, busyPairs(this.live.entries()), free);
  }

  /**
   * The lowest free area in which an aligned block of `size` fits at or above `vstart` (the
   * kernel's find_vmap_lowest_match with is_within_this_va), or NIL.
   *
   * It is an in-order walk of the tree that never enters a subtree whose largest area is smaller
   * than `size`, nor a left subtree lying wholly below vstart (every area there ends at or below
   * the node's start <= vstart), and stops at the first area where the aligned block fits. Areas
   * are disjoint and sorted, so the first area that fits holds the lowest fitting address.
   *
   *            (p)          climb from a left child: p is next in order, then p's right subtree;
   *           /   \         from a right child, p was visited before: keep climbing
   *        (x)     [R]
   *
   * Termination: in-order, every node is entered once going down and left once going up.
   * Cost: the nodes visited are the search path for vstart plus, for each area examined, the
   * path down to it: O((k + 1) log N), where k counts the areas of size >= `size` that were
   * examined and failed. An area can fail only by straddling vstart (at most one does) or by
   * alignment, which needs size <= its usable length < size + align - 1; so with align = 1,
   * k <= 1 and alloc is O(log N), and with alignment k is bounded by the number of such "almost
   * big enough" areas between vstart and the answer. The kernel bounds k instead by searching
   * with size + align - 1, which gives up the lowest address; we keep the address exact.
   */
  private lowestFit(size: number, align: number, vstart: number): number {
    const f = this.areas;
    const key = f.key;
    const val = f.val;
    const max = f.max;
    const left = f.left;
    const right = f.right;
    const parent = f.parent;
    let n = f.roots[TREE]!;
    if (n === NIL || max[n]! < size) return NIL;
    for (;;) {
      // Down: the lowest candidates are in the left subtree, if it can hold the size at all.
      const l = left[n]!;
      if (l !== NIL && max[l]! >= size && vstart < key[n]!) {
        n = l;
        continue;
      }
      let s = key[n]!;
      if (val[n]! >= size) {
        const at = alignUp(s < vstart ? vstart : s, align);
        if (size <= s + val[n]! - at) return n;
      }
      const r = right[n]!;
      if (r !== NIL && max[r]! >= size) {
        n = r;
        continue;
      }
      // Roll back up to the next node in order whose own area or right subtree may fit.
      for (;;) {
        const p = parent[n]!;
        if (p === NIL) return NIL;
        if (left[p] === n) {
          s = key[p]!;
          if (val[p]! >= size) {
            const at = alignUp(s < vstart ? vstart : s, align);
            if (size <= s + val[p]! - at) return p;
          }
          const pr = right[p]!;
          if (pr !== NIL && max[pr]! >= size) {
            n = pr;
            break;
          }
        }
        n = p;
      }
    }
  }

  /**
   * Takes [at, at + size) out of free area `area`, by the kernel's four fit types:
   *
   *   FL  |#########|       the area goes away
   *   LE  |####.....|       the area's start moves right (same place in key order)
   *   RE  |.....####|       the area shrinks from the right
   *   NE  |..####...|       the right part keeps the node, the left part becomes a new node
   *                         linked just before it (its position is known: no search)
   */
  private carve(area: number, at: number, size: number): void {
    const f = this.areas;
    const areaStart = f.key[area]!;
    const areaEnd = areaStart + f.val[area]!;
    const end = at + size;
    if (at === areaStart) {
      if (end === areaEnd) {
        f.remove(TREE, area);
        f.release(area);
      } else {
        f.setKey(area, end);
        f.setValue(area, 0, areaEnd - end);
      }
    } else if (end === areaEnd) {
      f.setValue(area, 0, at - areaStart);
    } else {
      const leftPart = f.create(areaStart);
      f.init(leftPart, 0, at - areaStart);
      f.setKey(area, end);
      f.setValue(area, 0, areaEnd - end);
      f.insertBefore(TREE, leftPart, area);
    }
  }

  /** Returns [offset, offset + size) to the free areas, merged with whichever neighbours touch it. */
  private merge(offset: number, size: number): void {
    const f = this.areas;
    const end = offset + size;
    const next = f.ceil(TREE, end);
    const prev = next === NIL ? f.last[TREE]! : f.pred[next]!;
    const joinNext = next !== NIL && f.key[next] === end;
    const joinPrev = prev !== NIL && f.key[prev]! + f.val[prev]! === offset;
    if (joinNext && joinPrev) {
      // prev swallows the range and next; the list tells us no other area is affected.
      const total = f.val[prev]! + size + f.val[next]!;
      f.remove(TREE, next);
      f.release(next);
      f.setValue(prev, 0, total);
    } else if (joinNext) {
      f.setKey(next, offset);
      f.setValue(next, 0, f.val[next]! + size);
    } else if (joinPrev) {
      f.setValue(prev, 0, f.val[prev]! + size);
    } else {
      const n = f.create(offset);
      f.init(n, 0, size);
      if (next === NIL) f.insert(TREE, n);
      else f.insertBefore(TREE, n, next);
    }
  }
}
