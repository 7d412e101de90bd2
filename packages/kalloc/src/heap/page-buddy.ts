import { ctz, ilog2 } from '../core/bits.ts';
import { invariant } from '../core/errors.ts';
import { C_FREE_PAGES, FREE_COUNTS, FREE_HEADS, MAX_ORDERS, PAGE_WORDS as W, P_NEXT, P_ORDER, P_PREV, P_STATE, type HeapViews } from './layout.ts';

/**
 * The shared page level: a binary buddy over page numbers whose every word lives in the
 * SharedArrayBuffer (free-list heads and counts in `meta`, per-page links, order and state in the page records).
 * It does no locking itself; SharedHeap calls it only while holding the shared lock, so plain
 * reads and writes are enough (see lock.ts).
 *
 * Blocks are 2^k pages at page numbers aligned to 2^k; the buddy of block p of order k is
 * p ^ 2^k. A page count that is not a power of two starts as its largest aligned parts:
 *
 *   pages = 13:  [0 ........ 8)[8 .. 12)[12]     orders 3, 2, 0
 */
export const TAIL = 0; // a page inside a block, not its first
export const FREE = 1; // first page of a free block, on free list `order`
export const LARGE = 2; // first page of a block handed out whole by alloc()
export const OWNED = 3; // first page of a block a worker owns and carves into slabs
export const PARKED = 4; // first page of an empty block a worker keeps (on the parked list)

export class PageBuddy {
  readonly maxOrder: number;

  constructor(
    private readonly v: HeapViews,
    readonly pages: number,
  ) {
    this.maxOrder = ilog2(pages);
    if (this.maxOrder >= MAX_ORDERS) throw new RangeError('too many pages');
  }

  /** Makes every page free: the largest aligned power-of-two blocks from page 0 up. */
  format(): void {
    const { page } = this.v;
    for (let p = 0; p < this.pages; p++) {
      page[p * W + P_NEXT] = -1;
      page[p * W + P_PREV] = -1;
      page[p * W + P_STATE] = TAIL;
      page[p * W + P_ORDER] = 0;
    }
    this.rebuild();
  }

  /**
   * Rebuilds the free lists from the blocks handed out (heads marked LARGE, OWNED or PARKED):
   * every other page is free, as the largest aligned blocks of each free run, which is the fully
   * merged state. Recovery uses it after a worker died inside a page-level operation: an alloc
   * it had not finished marking, or a free it had begun, just count as free.
   */
  rebuild(): void {
    const { meta, page } = this.v;
    for (let k = 0; k < MAX_ORDERS; k++) {
      meta[FREE_HEADS + k] = -1;
      meta[FREE_COUNTS + k] = 0;
    }
    meta[C_FREE_PAGES] = 0;
    for (let p = 0; p < this.pages; ) {
      const k = this.handedOutOrder(p);
      if (k >= 0) {
        for (let t = p + 1; t < p + (1 << k); t++) page[t * W + P_STATE] = TAIL;
        p += 1 << k;
        continue;
      }
      let end = p + 1;
      while (end < this.pages && this.handedOutOrder(end) < 0) end++;
      for (let q = p; q < end; ) {
        const j = Math.min(q === 0 ? this.maxOrder : ctz(q), ilog2(end - q));
        for (let t = q + 1; t < q + (1 << j); t++) page[t * W + P_STATE] = TAIL;
        this.push(q, j);
        meta[C_FREE_PAGES]! += 1 << j;
        q += 1 << j;
      }
      p = end;
    }
  }

  /** The order of the handed-out block starting at page p, or -1 if none starts there. */
  private handedOutOrder(p: number): number {
    const { page } = this.v;
    const s = page[p * W + P_STATE]!;
    const k = page[p * W + P_ORDER]!;
    if (s !== LARGE && s !== OWNED && s !== PARKED) return -1;
    return k >= 0 && k <= this.maxOrder && p % (1 << k) === 0 && p + (1 << k) <= this.pages ? k : -1;
  }

  /** Takes a block of 2^k pages, splitting a larger one; returns its first page or -1. */
  alloc(k: number): number {
    const { meta, page } = this.v;
    let j = k;
    while (j <= this.maxOrder && meta[FREE_HEADS + j]! < 0) j++;
    if (j > this.maxOrder) return -1;
    const p = meta[FREE_HEADS + j]!;
    this.unlink(p, j);
    // Split: keep the lower half, free the upper half, until the block is 2^k pages.
    while (j > k) {
      j--;
      this.push(p + (1 << j), j);
    }
    page[p * W + P_ORDER] = k;
    meta[C_FREE_PAGES]! -= 1 << k;
    return p;
  }

  /** Frees the block starting at page p (the caller has checked it is allocated) and merges it. */
  free(p: number): void {
    const { meta, page } = this.v;
    let k = page[p * W + P_ORDER]!;
    meta[C_FREE_PAGES]! += 1 << k;
    page[p * W + P_STATE] = TAIL;
    // Merge while the buddy is a free block of the same order:
    //   [p: k][b: k free]  ->  [min(p, b): k + 1]
    while (k < this.maxOrder) {
      const b = p ^ (1 << k);
      if (b >= this.pages || page[b * W + P_STATE] !== FREE || page[b * W + P_ORDER] !== k) break;
      this.unlink(b, k);
      page[b * W + P_STATE] = TAIL;
      p = Math.min(p, b);
      k++;
    }
    this.push(p, k);
  }

  freePages(): number {
    return this.v.meta[C_FREE_PAGES]!;
  }

  /** Free blocks per order (like /proc/buddyinfo). */
  freeBlocks(): number[] {
    return Array.from({ length: this.maxOrder + 1 }, (_, k) => this.v.meta[FREE_COUNTS + k]!);
  }

  private push(p: number, k: number): void {
    const { meta, page } = this.v;
    const head = meta[FREE_HEADS + k]!;
    page[p * W + P_STATE] = FREE;
    page[p * W + P_ORDER] = k;
    page[p * W + P_PREV] = -1;
    page[p * W + P_NEXT] = head;
    if (head >= 0) page[head * W + P_PREV] = p;
    meta[FREE_HEADS + k] = p;
    meta[FREE_COUNTS + k]!++;
  }

  private unlink(p: number, k: number): void {
    const { meta, page } = this.v;
    const n = page[p * W + P_NEXT]!;
    const q = page[p * W + P_PREV]!;
    if (q >= 0) page[q * W + P_NEXT] = n;
    else meta[FREE_HEADS + k] = n;
    if (n >= 0) page[n * W + P_PREV] = q;
    page[p * W + P_NEXT] = -1;
    page[p * W + P_PREV] = -1;
    meta[FREE_COUNTS + k]!--;
  }

  /**
   * Verifies the page level: blocks tile [0, pages) at aligned offsets, tails belong to a head,
   * every free block is on its order's list exactly once with exact counts, no two free buddies
   * are left unmerged, and the free-page counter is exact. Calls `visit` for each allocated block.
   */
  check(visit: (p: number, k: number, state: number) => void): void {
    const { meta, page } = this.v;
    const seen = new Int32Array(this.maxOrder + 1);
    let freePages = 0;
    for (let p = 0; p < this.pages; ) {
      const s = page[p * W + P_STATE]!;
      const k = page[p * W + P_ORDER]!;
      invariant(s === FREE || s === LARGE || s === OWNED || s === PARKED, `page ${p}: a block starts here but its state is ${s}`);
      invariant(k >= 0 && k <= this.maxOrder && p % (1 << k) === 0, `page ${p}: order ${k} is not aligned`);
      invariant(p + (1 << k) <= this.pages, `page ${p}: order ${k} runs past the end`);
      for (let t = p + 1; t < p + (1 << k); t++) invariant(page[t * W + P_STATE] === TAIL, `page ${t}: inside block ${p} but not a tail`);
      if (s === FREE) {
        seen[k]!++;
        freePages += 1 << k;
        const b = p ^ (1 << k);
        invariant(k === this.maxOrder || b >= this.pages || page[b * W + P_STATE] !== FREE || page[b * W + P_ORDER] !== k, `free buddies ${p} and ${b} (order ${k}) are not merged`);
      } else {
        visit(p, k, s);
      }
      p += 1 << k;
    }
    for (let k = 0; k <= this.maxOrder; k++) {
      let n = 0;
      for (let p = meta[FREE_HEADS + k]!, q = -1; p >= 0; q = p, p = page[p * W + P_NEXT]!) {
        invariant(p < this.pages && page[p * W + P_STATE] === FREE && page[p * W + P_ORDER] === k, `free list ${k}: page ${p} is not a free block of order ${k}`);
        invariant(page[p * W + P_PREV] === q, `free list ${k}: page ${p} has a broken back link`);
        invariant(++n <= seen[k]!, `free list ${k}: more entries than free blocks (a cycle?)`);
      }
      invariant(n === seen[k] && meta[FREE_COUNTS + k] === n, `free list ${k}: ${n} listed, ${seen[k]} free, count ${meta[FREE_COUNTS + k]}`);
    }
    invariant(meta[C_FREE_PAGES] === freePages, `free-page counter ${meta[C_FREE_PAGES]} but ${freePages} pages are free`);
  }
}
