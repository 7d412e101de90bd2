import { Bitmap } from '../../core/bitmap.ts';
import { invariant } from '../../core/errors.ts';
import { MIGRATETYPES, NR_TYPES } from '../migratetype.ts';

/**
 * The gigablock index: what the placement policy asks about gigablocks (2^gigablockOrder pages,
 * 1 GiB by default), answered by bitmaps with one bit per gigablock — the "bitmap_and and a
 * search" Rik van Riel proposed for the 1 GiB superpageblock RFC and did not build.
 *
 *   hasFree[order * 3 + mt]  the gigablock's own free list (order, mt) is not empty
 *   tainted                  it holds an allocated or per-CPU cached unmovable or reclaimable
 *                            page (fixedPages > 0): a fact about its pages, not its pageblock labels
 *   fullness[c]              its free pages are in [c, c + 1) eighths of its size (0 = fullest)
 *   whole                    it has the full size (the zone's last one may be partial)
 *
 * Bits change only when a gigablock's status changes: a free list turning empty or non-empty
 * (the zone reports both), its fixed pages going from none to some or back, free pages crossing
 * an eighth. A pick is then a word-wise AND of a few bitmaps and a find-first-set,
 * O(gigablocks / 32) word operations.
 *
 * Counters per gigablock: pageblocks by migratetype (the RFC's nr_unmovable, nr_movable, ...), free
 * pages and fixed pages (those of unmovable and reclaimable allocations, and those a CPU caches on
 * an unmovable or reclaimable list). check() recomputes everything from the zone's columns and
 * blocks.
 */
export const FULLNESS_CLASSES = 8;

/** The zone columns check() recomputes the index from. */
export interface GigablockSource {
  readonly pages: number;
  readonly pageblockOrder: number;
  readonly pbType: Uint8Array;
  readonly pbFree: Int32Array;
  /** Whether free list (order, mt) of gigablock gb is not empty. */
  hasFreeBlock(gb: number, order: number, mt: number): boolean;
}

export class GigablockIndex {
  /** log2 of the pages per gigablock. */
  readonly shift: number;
  readonly count: number;
  readonly hasFree: Bitmap[];
  readonly tainted: Bitmap;
  readonly fullness: Bitmap[];
  readonly whole: Bitmap;
  /** Pageblocks per gigablock and migratetype, [gb * NR_TYPES + mt]. */
  readonly pageblocks: Int32Array;
  /** Free pages per gigablock. */
  readonly freePages: Int32Array;
  /** Pages per gigablock that taint it: allocated or per-CPU cached as unmovable or reclaimable. */
  readonly fixedPages: Int32Array;
  /** Fullness class per gigablock (the bit set in `fullness`). */
  readonly fullnessOf: Uint8Array;
  private readonly size: Int32Array;
  /** Free pages in [bounds[2gb], bounds[2gb + 1]) keep gigablock gb in its class: addFree's one test. */
  private readonly bounds: Int32Array;

  /** A zone of `pages` free pages, every pageblock MOVABLE (the zone at boot). */
  constructor(pages: number, gigablockOrder: number, pageblockOrder: number, maxOrder: number) {
    this.shift = gigablockOrder;
    const count = Math.ceil(pages / 2 ** gigablockOrder);
    this.count = count;
    this.hasFree = Array.from({ length: (maxOrder + 1) * NR_TYPES }, () => new Bitmap(count));
    this.tainted = new Bitmap(count);
    this.fullness = Array.from({ length: FULLNESS_CLASSES }, () => new Bitmap(count));
    this.whole = new Bitmap(count);
    this.pageblocks = new Int32Array(count * NR_TYPES);
    this.freePages = new Int32Array(count);
    this.fixedPages = new Int32Array(count);
    this.fullnessOf = new Uint8Array(count);
    this.size = new Int32Array(count);
    this.bounds = new Int32Array(2 * count);
    for (let gb = 0; gb < count; gb++) {
      const size = Math.min(2 ** gigablockOrder, pages - gb * 2 ** gigablockOrder);
      this.size[gb] = size;
      this.whole.assign(gb, size === 2 ** gigablockOrder);
      this.pageblocks[gb * NR_TYPES + 1] = Math.ceil(size / 2 ** pageblockOrder); // MOVABLE
      this.freePages[gb] = size;
      this.enterClass(gb, this.classOf(gb, size));
    }
  }

  /** Bytes of index metadata (bitmaps and counters), for stats(). */
  get bytes(): number {
    const bitmapBytes = (this.hasFree.length + this.fullness.length + 2) * this.tainted.words.byteLength;
    const counters = this.pageblocks.byteLength + this.freePages.byteLength + this.fixedPages.byteLength + this.fullnessOf.byteLength;
    return bitmapBytes + counters + this.size.byteLength + this.bounds.byteLength;
  }

  /** Pages of gigablock gb. */
  sizeOf(gb: number): number {
    return this.size[gb]!;
  }

  /** Free list (order, mt) of gb went from empty to one block (list = order * NR_TYPES + mt). */
  listFilled(gb: number, list: number): void {
    this.hasFree[list]!.set(gb);
  }

  /** Free list `list` of gb became empty. */
  listEmptied(gb: number, list: number): void {
    this.hasFree[list]!.clear(gb);
  }

  /** One pageblock of gb changed type from `from` to `to` (its pages, and so gb's taint, did not). */
  retype(gb: number, from: number, to: number): void {
    const base = gb * NR_TYPES;
    this.pageblocks[base + from]!--;
    this.pageblocks[base + to]!++;
  }

  /** `pages` pages of gb became fixed (negative: stopped being); taints gb or cleans it. */
  addFixed(gb: number, pages: number): void {
    const fixed = (this.fixedPages[gb]! += pages);
    if (fixed === pages) this.tainted.set(gb); // from none to some
    else if (fixed === 0) this.tainted.clear(gb);
  }

  /** Adds `delta` free pages to gb, moving it between fullness classes when it crosses an eighth. */
  addFree(gb: number, delta: number): void {
    const free = (this.freePages[gb]! += delta);
    if (free < this.bounds[2 * gb]! || free >= this.bounds[2 * gb + 1]!) this.reclassify(gb, free);
  }

  /** Moves gb to the fullness class of `free` pages (kept out of addFree so that it inlines). */
  private reclassify(gb: number, free: number): void {
    this.fullness[this.fullnessOf[gb]!]!.clear(gb);
    this.enterClass(gb, this.classOf(gb, free));
  }

  private enterClass(gb: number, c: number): void {
    const size = this.size[gb]!;
    this.fullness[c]!.set(gb);
    this.fullnessOf[gb] = c;
    // The free counts classOf maps to c: [ceil(c * size / 8), ceil((c + 1) * size / 8)), the last class open above.
    this.bounds[2 * gb] = Math.ceil((c * size) / FULLNESS_CLASSES);
    this.bounds[2 * gb + 1] = c === FULLNESS_CLASSES - 1 ? size + 1 : Math.ceil(((c + 1) * size) / FULLNESS_CLASSES);
  }

  /** addFree for a page range that may cross gigablocks (`sign` x its pages in each). */
  addFreeRange(pfn: number, count: number, sign: number): void {
    const end = pfn + count;
    for (let p = pfn; p < end; ) {
      const gb = p >>> this.shift;
      const next = Math.min((gb + 1) * 2 ** this.shift, end);
      this.addFree(gb, (next - p) * sign);
      p = next;
    }
  }

  isTainted(gb: number): boolean {
    return this.tainted.get(gb);
  }

  private classOf(gb: number, free: number): number {
    return Math.min(FULLNESS_CLASSES - 1, Math.floor((free * FULLNESS_CLASSES) / this.size[gb]!));
  }

  /**
   * Recomputes every counter and bitmap from the zone and compares (ECORRUPT); `fixed` is the
   * zone's recount of fixed pages per gigablock from its blocks.
   */
  check(zone: GigablockSource, maxOrder: number, fixed: Int32Array): void {
    const { count, shift } = this;
    const pbShift = zone.pageblockOrder;
    const types = new Int32Array(count * NR_TYPES);
    const free = new Int32Array(count);
    for (let pb = 0; pb < zone.pbType.length; pb++) {
      const gb = (pb * 2 ** pbShift) >>> shift;
      types[gb * NR_TYPES + zone.pbType[pb]!]!++;
      free[gb]! += zone.pbFree[pb]!;
    }
    for (let gb = 0; gb < count; gb++) {
      for (let mt = 0; mt < NR_TYPES; mt++) {
        const n = types[gb * NR_TYPES + mt]!;
        invariant(n === this.pageblocks[gb * NR_TYPES + mt], () => `gigablock ${gb} counts ${this.pageblocks[gb * NR_TYPES + mt]} ${MIGRATETYPES[mt]} pageblocks, has ${n}`);
      }
      invariant(fixed[gb] === this.fixedPages[gb], () => `gigablock ${gb} counts ${this.fixedPages[gb]} unmovable/reclaimable pages, has ${fixed[gb]}`);
      invariant(this.tainted.get(gb) === fixed[gb]! > 0, () => `gigablock ${gb} tainted bit ${this.tainted.get(gb)} with ${fixed[gb]} unmovable/reclaimable pages`);
      invariant(free[gb] === this.freePages[gb], () => `gigablock ${gb} counts ${this.freePages[gb]} free pages, has ${free[gb]}`);
      const c = this.classOf(gb, free[gb]!);
      for (let k = 0; k < FULLNESS_CLASSES; k++) {
        invariant(this.fullness[k]!.get(gb) === (k === c), () => `gigablock ${gb} fullness bit ${k} wrong (class ${c})`);
      }
      invariant(this.fullnessOf[gb] === c, () => `gigablock ${gb} fullness class ${this.fullnessOf[gb]}, should be ${c}`);
      invariant(this.whole.get(gb) === (this.size[gb] === 2 ** shift), () => `gigablock ${gb} whole bit wrong`);
      for (let order = 0; order <= maxOrder; order++) {
        for (let mt = 0; mt < NR_TYPES; mt++) {
          const has = zone.hasFreeBlock(gb, order, mt);
          invariant(this.hasFree[order * NR_TYPES + mt]!.get(gb) === has, () => `gigablock ${gb} bit (order ${order}, ${MIGRATETYPES[mt]}) is ${!has}, its free list ${has ? 'has blocks' : 'is empty'}`);
        }
      }
    }
  }
}
