import { fault, invariant } from '../core/errors.ts';
import { NIL, RbForest } from '../core/rb-forest.ts';
import { alignUp } from '../core/bits.ts';
import {
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
 * vmalloc's allocator before 2019 (2.6.36 .. 5.1), the baseline the free-area tree replaced: only
 * the busy areas are kept, in an address-sorted red-black tree threaded as a list, and alloc()
 * looks for a hole by walking the busy list from the first busy area at the window's start, O(N).
 *
 * It keeps the kernel's search hint (Nick Piggin's free_vmap_cache): the busy area placed last,
 * from which the next search starts, with `cachedHoleSize`, the largest hole seen below it. A
 * request that could use such a hole, or that is more permissive than the last one (a lower
 * window start, a smaller alignment), drops the hint and walks from the window's start; a free at
 * or below the hint moves it to the freed area's predecessor, one freed wholly below the last
 * window start drops it.
 *
 * One deliberate difference: the kernel dropped the hint when size < cached_hole_size, so a hole
 * of exactly the request's size below the hint was skipped; we drop it when size <= that, which
 * makes every answer the lowest fit, identical to RangeAllocator's (check() verifies the hint).
 */
export class LinearRangeAllocator implements RangeAllocatorApi {
  readonly start: number;
  readonly end: number;
  /** Busy areas: key = start, lane 0 = size. */
  private readonly busy: RbForest;
  private readonly request = new RangeRequest();
  private used = 0;
  // free_vmap_cache and its companions.
  private cache = NIL;
  private cachedHoleSize = 0;
  private cachedStart = 0;
  private cachedAlign = 1;

  constructor(options: RangeAllocatorOptions) {
    const space = readSpace(options);
    this.start = space.start;
    this.end = space.end;
    this.cachedStart = space.start;
    this.busy = new RbForest({ trees: 1, lanes: 1, capacity: 64 });
  }

  alloc(size: number, options?: RangeAllocOptions): number | undefined {
    const req = this.request;
    req.read(size, options, this.start, this.end);
    const align = req.align;
    const vstart = req.start;
    const vend = req.end;
    const f = this.busy;

    // Drop the hint for a request it could mislead (see the class comment).
    if (this.cache === NIL || size <= this.cachedHoleSize || vstart < this.cachedStart || align < this.cachedAlign) {
      this.cache = NIL;
      this.cachedHoleSize = 0;
    }
    this.cachedStart = vstart;
    this.cachedAlign = align;

    // Starting point: just past the hint, or the first busy area reaching past the window start.
    let addr = 0;
    let next = NIL;
    if (this.cache !== NIL) {
      addr = alignUp(f.key[this.cache]! + f.val[this.cache]!, align);
      next = f.succ[this.cache]!;
      if (addr < vstart) {
        this.cache = NIL;
        this.cachedHoleSize = 0;
      }
    }
    if (this.cache === NIL) {
      addr = alignUp(vstart, align);
      const below = f.floor(TREE, addr);
      next = below === NIL ? f.first[TREE]! : f.key[below]! + f.val[below]! > addr ? below : f.succ[below]!;
    }

    // Walk the busy list until the hole before `next` holds the request.
    const key = f.key;
    const val = f.val;
    const succ = f.succ;
    let hole = this.cachedHoleSize;
    while (next !== NIL) {
      const busyStart = key[next]!;
      if (size <= busyStart - addr) break;
      if (size > vend - addr) break;
      if (busyStart - addr > hole) hole = busyStart - addr;
      addr = alignUp(busyStart + val[next]!, align);
      next = succ[next]!;
    }
    this.cachedHoleSize = hole;
    if (size > vend - addr) return undefined;

    const n = f.create(addr);
    f.init(n, 0, size);
    f.insert(TREE, n);
    this.cache = n;
    this.used += size;
    return addr;
  }

  allocAt(offset: number, size: number): boolean {
    readClaim(offset, size, this.start, this.end);
    const f = this.busy;
    const before = f.floor(TREE, offset + size - 1);
    if (before !== NIL && f.key[before]! + f.val[before]! > offset) return false;
    const n = f.create(offset);
    f.init(n, 0, size);
    f.insert(TREE, n);
    this.used += size;
    return true;
  }

  free(offset: number): number {
    readOffset(offset);
    const f = this.busy;
    const n = f.find(TREE, offset);
    if (n === NIL) throw fault(`offset = ${offset}: not an allocated offset (never allocated, or already freed)`);
    const size = f.val[n]!;
    if (this.cache !== NIL) {
      if (offset + size < this.cachedStart) this.cache = NIL;
      else if (offset <= f.key[this.cache]!) this.cache = f.pred[n]!;
    }
    f.remove(TREE, n);
    f.release(n);
    this.used -= size;
    return size;
  }

  sizeOf(offset: number): number | undefined {
    if (typeof offset !== 'number') return undefined;
    const n = this.busy.find(TREE, offset);
    return n === NIL ? undefined : this.busy.val[n]!;
  }

  get freeBytes(): number {
    return this.end - this.start - this.used;
  }

  get usedBytes(): number {
    return this.used;
  }

  /** O(N): the old design kept no record of its holes. */
  get largestFree(): number {
    let largest = 0;
    for (const { start, end } of this.freeAreas()) if (end - start > largest) largest = end - start;
    return largest;
  }

  /** O(N), like largestFree. */
  get freeAreaCount(): number {
    let count = 0;
    for (const _ of this.freeAreas()) count++;
    return count;
  }

  get allocationCount(): number {
    return this.busy.count(TREE);
  }

  /** The holes between busy areas, derived by walking the busy list. */
  *freeAreas(): IterableIterator<FreeArea> {
    const f = this.busy;
    let at = this.start;
    for (let n = f.first[TREE]!; n !== NIL; n = f.succ[n]!) {
      const start = f.key[n]!;
      if (start > at) yield { start: at, end: start };
      at = start + f.val[n]!;
    }
    if (at < this.end) yield { start: at, end: this.end };
  }

  stats(): RangeStats {
    return {
      design: 'linear busy-list walk',
      start: this.start,
      end: this.end,
      freeBytes: this.freeBytes,
      usedBytes: this.used,
      largestFree: this.largestFree,
      freeAreaCount: this.freeAreaCount,
      allocationCount: this.allocationCount,
      metadataBytes: this.busy.byteLength,
    };
  }

  check(): void {
    const f = this.busy;
    f.checkTree(TREE, 'busy tree');
    const busy: number[] = [];
    let used = 0;
    for (const n of f.nodes(TREE)) {
      busy.push(f.key[n]!, f.key[n]! + f.val[n]!);
      used += f.val[n]!;
    }
    invariant(used === this.used, () => `usedBytes is ${this.used} but busy areas hold ${used}`);
    const free: number[] = [];
    for (const { start, end } of this.freeAreas()) free.push(start, end);
    checkTiling(this.start, this.end, busy, free);
    this.checkHint();
  }

  /**
   * The hint is sound: the hint is a busy area, and no hole wholly below it could hold more than
   * cachedHoleSize bytes for a request with the cached window start and alignment (so a request
   * larger than that cannot fit below the hint, and starting the walk at the hint is exact).
   */
  private checkHint(): void {
    const f = this.busy;
    const cache = this.cache;
    if (cache === NIL) return;
    invariant(f.isLinked(cache), `the search hint ${cache} is not a busy area`);
    const hintStart = f.key[cache]!;
    for (const { start, end } of this.freeAreas()) {
      if (end > hintStart) break;
      const usable = end - alignUp(Math.max(start, this.cachedStart), this.cachedAlign);
      invariant(
        usable <= this.cachedHoleSize,
        () => `hole [${start}, ${end}) below the hint holds ${usable} bytes > cachedHoleSize ${this.cachedHoleSize}`,
      );
    }
  }
}
