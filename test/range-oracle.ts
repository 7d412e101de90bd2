import { alignUp } from '../packages/kalloc/src/core/bits.ts';
import type { FreeArea, RangeAllocatorApi, RangeAllocOptions, RangeStats } from '../packages/kalloc/src/range/range-api.ts';

/**
 * The obviously-correct range allocator the tests compare both designs against (the role of the
 * kernel's find_vmap_lowest_linear_match): busy ranges in a sorted array, alloc() scans the holes
 * in address order and takes the first aligned fit inside the window. No validation: the tests
 * only send it calls the real allocators accepted.
 */
export class NaiveRange implements RangeAllocatorApi {
  readonly start: number;
  readonly end: number;
  /** Ascending, disjoint [start, size] busy ranges. */
  readonly busy: [number, number][] = [];

  constructor(options: { start?: number; size: number }) {
    this.start = options.start ?? 0;
    this.end = this.start + options.size;
  }

  alloc(size: number, options: RangeAllocOptions = {}): number | undefined {
    const align = options.align ?? 1;
    const vstart = options.start ?? this.start;
    const vend = options.end ?? this.end;
    for (const { start, end } of this.freeAreas()) {
      const at = alignUp(Math.max(start, vstart), align);
      if (at >= vend) return undefined;
      if (size <= Math.min(end, vend) - at) {
        this.insert(at, size);
        return at;
      }
    }
    return undefined;
  }

  allocAt(offset: number, size: number): boolean {
    for (const { start, end } of this.freeAreas()) {
      if (start <= offset && size <= end - offset) {
        this.insert(offset, size);
        return true;
      }
    }
    return false;
  }

  free(offset: number): number {
    const i = this.busy.findIndex(([s]) => s === offset);
    if (i < 0) throw new Error(`oracle: ${offset} is not allocated`);
    const size = this.busy[i]![1];
    this.busy.splice(i, 1);
    return size;
  }

  sizeOf(offset: number): number | undefined {
    return this.busy.find(([s]) => s === offset)?.[1];
  }

  get usedBytes(): number {
    return this.busy.reduce((sum, [, size]) => sum + size, 0);
  }

  get freeBytes(): number {
    return this.end - this.start - this.usedBytes;
  }

  get largestFree(): number {
    return Math.max(0, ...[...this.freeAreas()].map((a) => a.end - a.start));
  }

  get freeAreaCount(): number {
    return [...this.freeAreas()].length;
  }

  get allocationCount(): number {
    return this.busy.length;
  }

  *freeAreas(): IterableIterator<FreeArea> {
    let at = this.start;
    for (const [start, size] of this.busy) {
      if (start > at) yield { start: at, end: start };
      at = start + size;
    }
    if (at < this.end) yield { start: at, end: this.end };
  }

  stats(): RangeStats {
    return {
      design: 'oracle',
      start: this.start,
      end: this.end,
      freeBytes: this.freeBytes,
      usedBytes: this.usedBytes,
      largestFree: this.largestFree,
      freeAreaCount: this.freeAreaCount,
      allocationCount: this.allocationCount,
      metadataBytes: 0,
    };
  }

  check(): void {}

  private insert(at: number, size: number): void {
    let i = this.busy.length;
    while (i > 0 && this.busy[i - 1]![0] > at) i--;
    this.busy.splice(i, 0, [at, size]);
  }
}
