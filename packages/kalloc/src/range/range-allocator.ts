import { fault, invariant } from '../core/errors.ts';
import { OffsetMap } from '../core/offset-map.ts';
import { ilog2 } from '../core/bits.ts';
import { AreaTree } from './area-tree.ts';
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

/**
 * The vmalloc free-area allocator (Rezki, Linux 5.2): the free space is a set of maximal free
 * areas in a tree keyed by start address and augmented with each subtree's largest area, so
 * that alloc() finds the lowest area that fits in O(log N) by skipping subtrees too small to
 * help, and free() merges with both neighbours. Live allocations sit in an offset -> size hash.
 *
 * The kernel's tree is a red-black tree; here it is a B+-tree of 16-slot nodes (AreaTree):
 * the same answers with a third to a quarter of the levels, each one or two cache lines read
 * in order. An alloc or a free is one descent; the path it leaves is the only walk back up.
 *
 * Unlike the kernel, which searches with size + align - 1 when align > PAGE_SIZE (a fit, not
 * always the lowest), the search here is exact for every alignment: each area also carries the
 * alignment of the most aligned address inside it, and the search skips every subtree in which
 * no area even contains an address aligned as requested (see AreaTree.lowestFit).
 */
export class RangeAllocator implements RangeAllocatorApi {
  readonly start: number;
  readonly end: number;
  private readonly areas = new AreaTree();
  /** Live allocations: offset -> size. */
  private readonly live = new OffsetMap(64);
  private readonly request = new RangeRequest();
  private used = 0;
  /**
   * The finger, an exact search hint (the kernel's old free_vmap_cache, made exact): while
   * `finger` holds, the tree's cursor still sits on the area the last alloc carved, nothing but
   * that carve changed the tree since, and no area before it can take a request at least as
   * strict as that one (size, alignment and window start each >= the finger's). Such a request
   * resumes the search at the cursor: O(1) for the sequential patterns where the busy-list
   * walk's hint made the old design fast. A free, allocAt or a carve that moved slots between
   * nodes drops it.
   */
  private finger = false;
  private fingerSize = 0;
  private fingerAlignLog = 0;
  private fingerStart = 0;
  /** The end of the block the finger's alloc carved (for check()). */
  private fingerEnd = 0;

  constructor(options: RangeAllocatorOptions) {
    const space = readSpace(options);
    this.start = space.start;
    this.end = space.end;
    this.areas.seek(space.start);
    this.areas.insertAfter(space.start, space.end - space.start);
  }

  alloc(size: number, options?: RangeAllocOptions): number | undefined {
    const req = this.request;
    req.read(size, options, this.start, this.end);
    const align = req.align;
    const alignLog = align === 1 ? 0 : ilog2(align);
    const t = this.areas;
    const resume = this.finger && size >= this.fingerSize && alignLog >= this.fingerAlignLog && req.start >= this.fingerStart;
    this.finger = false;
    if (!t.lowestFit(size, align, alignLog, req.start, resume)) return undefined;
    const area = t.cursor;
    const areaStart = t.key[area]!;
    const from = areaStart > req.start ? areaStart : req.start;
    const at = align === 1 ? from : Math.ceil(from / align) * align;
    // Like the kernel, the window's end is checked after the search: the lowest fit is the only
    // candidate, every other one lies higher.
    if (size > req.end - at) return undefined;
    const reshapes = t.reshapes;
    this.carve(areaStart, areaStart + t.size[area]!, at, size);
    // Below the carved block no area fits this request: the search just showed it for the areas
    // before this one, and the part of this one left below the block is too short (else the
    // block would sit lower). So the finger holds if the cursor still points at the slot.
    if (t.reshapes === reshapes) {
      this.finger = true;
      this.fingerSize = size;
      this.fingerAlignLog = alignLog;
      this.fingerStart = req.start;
      this.fingerEnd = at + size;
    }
    this.live.set(at, size);
    this.used += size;
    return at;
  }

  allocAt(offset: number, size: number): boolean {
    readClaim(offset, size, this.start, this.end);
    const t = this.areas;
    this.finger = false;
    t.seek(offset);
    const area = t.cursor;
    if (area < 0) return false;
    const areaEnd = t.key[area]! + t.size[area]!;
    if (areaEnd - offset < size) return false;
    this.carve(t.key[area]!, areaEnd, offset, size);
    this.live.set(offset, size);
    this.used += size;
    return true;
  }

  free(offset: number): number {
    readOffset(offset);
    const size = this.live.delete(offset);
    if (size === undefined) throw fault(`offset = ${offset}: not an allocated offset (never allocated, or already freed)`);
    this.used -= size;
    this.finger = false;
    this.merge(offset, offset + size);
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
    return this.areas.largest;
  }

  get freeAreaCount(): number {
    return this.areas.areaCount;
  }

  get allocationCount(): number {
    return this.live.size;
  }

  *freeAreas(): IterableIterator<FreeArea> {
    const t = this.areas;
    for (const i of t.areas()) yield { start: t.key[i]!, end: t.key[i]! + t.size[i]! };
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
    this.areas.check('free-area tree');
    const free: number[] = [];
    for (const { start, end } of this.freeAreas()) free.push(start, end);
    let used = 0;
    for (const [, size] of this.live.entries()) used += size;
    invariant(used === this.used, () => `usedBytes is ${this.used} but live allocations hold ${used}`);
    checkTiling(this.start, this.end, busyPairs(this.live.entries()), free);
    if (this.finger) this.checkFinger(free);
  }

  /** The finger is sound: no free area starting below the block it carved fits its request. */
  private checkFinger(free: readonly number[]): void {
    const align = 2 ** this.fingerAlignLog;
    for (let k = 0; k < free.length && free[k]! < this.fingerEnd; k += 2) {
      const from = Math.max(free[k]!, this.fingerStart);
      const at = Math.ceil(from / align) * align;
      invariant(
        this.fingerSize > free[k + 1]! - at,
        () => `free area [${free[k]}, ${free[k + 1]}) below the search finger (${this.fingerEnd}) fits its request of ${this.fingerSize} at alignment ${align}`,
      );
    }
  }

  /**
   * Takes [at, at + size) out of the free area [areaStart, areaEnd) under the tree's cursor, by
   * the kernel's four fit types:
   *
   *   FL  |#########|       the area goes away
   *   LE  |####.....|       the area's start moves right (same place in address order)
   *   RE  |.....####|       the area shrinks from the right
   *   NE  |..####...|       the area keeps the left part, the right part is added after it
   */
  private carve(areaStart: number, areaEnd: number, at: number, size: number): void {
    const t = this.areas;
    const end = at + size;
    if (at === areaStart) {
      if (end === areaEnd) t.remove();
      else t.replace(end, areaEnd - end);
    } else if (end === areaEnd) {
      t.replace(areaStart, at - areaStart);
    } else {
      t.split(areaStart, at - areaStart, end, areaEnd - end);
    }
  }

  /**
   * Returns [start, end) to the free areas, merged with whichever neighbours touch it: one
   * descent finds the area below (the cursor) and the one above (the next slot).
   */
  private merge(start: number, end: number): void {
    const t = this.areas;
    t.seek(start);
    const prev = t.cursor;
    const next = t.nextArea();
    const joinPrev = prev >= 0 && t.key[prev]! + t.size[prev]! === start;
    const joinNext = next >= 0 && t.key[next] === end;
    if (joinPrev && joinNext) {
      // prev swallows the range and next, which goes.
      t.replace(t.key[prev]!, t.key[next]! + t.size[next]! - t.key[prev]!);
      t.stepNext();
      t.remove();
    } else if (joinPrev) {
      t.replace(t.key[prev]!, end - t.key[prev]!);
    } else if (joinNext) {
      const nextEnd = t.key[next]! + t.size[next]!;
      t.stepNext();
      t.replace(start, nextEnd - start);
    } else {
      t.insertAfter(start, end - start);
    }
  }
}
