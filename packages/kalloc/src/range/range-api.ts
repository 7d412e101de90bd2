import { invalid, invariant } from '../core/errors.ts';
import { MAX_EXTENT, requireExtent, requireOptions, requirePowerOfTwo } from '../core/validate.ts';

/**
 * What both range allocators share: the public interface (DESIGN.md, "RangeAllocator"), argument
 * validation, and the layout check behind check(). The free-area tree (RangeAllocator) and the
 * pre-2019 busy-list walk (LinearRangeAllocator) differ only in how they find and track holes.
 */

export interface RangeAllocatorOptions {
  /** First address of the managed space (default 0). */
  start?: number;
  /** Bytes managed: the space is [start, start + size). */
  size: number;
}

export interface RangeAllocOptions {
  /** A power of two; the returned address is a multiple of it (default 1). */
  align?: number;
  /** The allocation must lie inside [start, end) (default: the whole space). */
  start?: number;
  end?: number;
}

export interface FreeArea {
  start: number;
  end: number;
}

export interface RangeStats {
  design: string;
  start: number;
  end: number;
  freeBytes: number;
  usedBytes: number;
  largestFree: number;
  freeAreaCount: number;
  allocationCount: number;
  /** Bytes of typed-array metadata (tree nodes, offset map). */
  metadataBytes: number;
}

export interface RangeAllocatorApi {
  /** The managed space is [start, end). */
  readonly start: number;
  readonly end: number;
  /** The lowest address inside the window that is aligned and fits, or undefined. */
  alloc(size: number, options?: RangeAllocOptions): number | undefined;
  /** Claims exactly [offset, offset + size) if all of it is free. */
  allocAt(offset: number, size: number): boolean;
  /** Frees the allocation starting at offset; returns its size. */
  free(offset: number): number;
  sizeOf(offset: number): number | undefined;
  readonly freeBytes: number;
  readonly usedBytes: number;
  readonly largestFree: number;
  readonly freeAreaCount: number;
  readonly allocationCount: number;
  /** Free areas in ascending order, each maximal (no two touch). */
  freeAreas(): IterableIterator<FreeArea>;
  stats(): RangeStats;
  check(): void;
}

/** Validates constructor options; returns [start, end) of the space. */
export function readSpace(options: RangeAllocatorOptions): { start: number; end: number } {
  const o = requireOptions('options', options, ['start', 'size']);
  const start = o.start === undefined ? 0 : requireExtent('options.start', o.start);
  const size = requireExtent('options.size', o.size, true);
  if (size > MAX_EXTENT - start) throw invalid('options.size', size, `start + size must be at most 2^53 (start = ${start})`);
  return { start, end: start + size };
}

/**
 * One validated alloc() request. Each allocator owns one and refills it per call, so that the
 * hot path creates no object: a request without options takes the fast branch.
 */
export class RangeRequest {
  size = 0;
  align = 1;
  start = 0;
  end = 0;

  /** Validates everything before the caller mutates anything; throws EINVAL naming the argument. */
  read(size: number, options: RangeAllocOptions | undefined, base: number, limit: number): void {
    this.size = requireExtent('size', size, true);
    if (options === undefined) {
      this.align = 1;
      this.start = base;
      this.end = limit;
      return;
    }
    const o = requireOptions('options', options, ['align', 'start', 'end']);
    const align = o.align === undefined ? 1 : requirePowerOfTwo('options.align', o.align);
    const start = o.start === undefined ? base : requireExtent('options.start', o.start);
    const end = o.end === undefined ? limit : requireExtent('options.end', o.end);
    if (start < base || start > limit) throw invalid('options.start', start, `outside the space [${base}, ${limit}]`);
    if (end < base || end > limit) throw invalid('options.end', end, `outside the space [${base}, ${limit}]`);
    if (start > end) throw invalid('options.start', start, `greater than options.end = ${end}`);
    this.align = align;
    this.start = start;
    this.end = end;
  }
}

/** Validates allocAt() arguments against the space [base, limit). */
export function readClaim(offset: number, size: number, base: number, limit: number): void {
  requireExtent('offset', offset);
  requireExtent('size', size, true);
  if (offset < base || offset >= limit) throw invalid('offset', offset, `outside the space [${base}, ${limit})`);
  // Compare by subtraction: offset + size may round above 2^53.
  if (size > limit - offset) throw invalid('size', size, `[offset, offset + size) ends past the space end ${limit}`);
}

/** Validates a free() argument (its presence is the allocator's business). */
export function readOffset(offset: number): number {
  return requireExtent('offset', offset);
}

/**
 * The layout half of check(), shared by both designs: busy ranges and free areas (each given as
 * ascending [start, end) pairs in a flat array) must tile [base, limit) exactly, every range must
 * be non-empty, and no two free areas may touch (free areas are maximal). Throws ECORRUPT.
 */
export function checkTiling(base: number, limit: number, busy: readonly number[], free: readonly number[]): void {
  let at = base;
  let b = 0;
  let f = 0;
  let lastFreeEnd = -1;
  while (b < busy.length || f < free.length) {
    const fromBusy = f >= free.length || (b < busy.length && busy[b]! <= free[f]!);
    const list = fromBusy ? busy : free;
    const i = fromBusy ? b : f;
    const start = list[i]!;
    const end = list[i + 1]!;
    const what = `${fromBusy ? 'allocation' : 'free area'} [${start}, ${end})`;
    invariant(start === at, () => `${what} does not start where the previous range ends (${at})`);
    invariant(end > start, () => `${what} is empty`);
    if (!fromBusy) {
      invariant(start !== lastFreeEnd, () => `${what} touches the previous free area: not merged`);
      lastFreeEnd = end;
      f += 2;
    } else {
      b += 2;
    }
    at = end;
  }
  invariant(at === limit, () => `ranges end at ${at}, the space at ${limit}`);
}

/** Sorted flat [start, end, ...] pairs from offset -> size entries (for check()). */
export function busyPairs(entries: Iterable<[number, number]>): number[] {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [start, size] of sorted) out.push(start, start + size);
  return out;
}
