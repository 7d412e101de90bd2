import { invariant } from '../core/errors.ts';
import { GigablockIndex } from './gigablock/index.ts';
import { GigablockPolicy } from './gigablock/policy.ts';
import { BlindGigablockPolicy } from './gigablock/blind-policy.ts';
import { FALLBACKS, HELD, MIGRATETYPES, MOVABLE, NR_TYPES, isFixedType } from './migratetype.ts';

/**
 * The zone: page frames [0, pages), their buddy free area (free lists per order and migratetype)
 * and their pageblocks. This is the part of the page allocator that runs "under zone->lock";
 * everything above it (the per-CPU layer, compaction, contiguous allocation, the PageAllocator
 * façade) talks to it through the narrow interface below. See docs/page-allocator.md.
 *
 * Per-page metadata: two Int32 columns, 8 bytes per page (4 Mi pages = 32 MiB).
 *
 *   link[pfn]  4 B  free head: next block on its free list, -1 for the last
 *                   contig head: the range's length in pages; contig tail: the range's head pfn
 *                   anything else: unused (compaction threads its isolated blocks through it)
 *   desc[pfn]  4 B  >= 0: head of a FREE block: bits 0..25 prev link (pfn itself: first on
 *                         its list), bits 26..30 order
 *                   <  0: ~code, code = kind | order << 2 | mt << 7, kind one of
 *                         TAIL (not the first page of a block; desc = -1), ALLOCATED (head of an
 *                         allocated buddy block of `order`, allocated as migratetype `mt`, or
 *                         HELD by the allocator itself), CONTIG_HEAD, CONTIG_TAIL
 *
 * Free lists are doubly linked through the page columns, so removing a buddy from the middle
 * of its list is O(1). Their first blocks are in `heads`, one Int32 per list, list =
 * (gigablock * (maxOrder + 1) + order) * NR_TYPES + mt. Without gigablocks the zone is one
 * gigablock (list = order * NR_TYPES + mt); with them every gigablock has its own lists and a
 * GigablockIndex says which gigablocks have what (docs/page-allocator.md, "Gigablocks"). Links
 * are 26 bits and a first block marks itself as its prev, so a zone has at most MAX_PAGES =
 * 2^26 pages (256 GiB of 4 KiB).
 *
 * Per-pageblock metadata (2^pageblockOrder pages each, 13 bytes per pageblock):
 *   type     Uint8   the pageblock's migratetype
 *   free     Int32   free pages in the pageblock
 *   movable  Int32   pages of allocated MOVABLE blocks
 *   fixed    Int32   pages nothing can move: UNMOVABLE/RECLAIMABLE blocks, contiguous ranges, HELD
 *
 * Invariants (check()): blocks partition the zone; every free block is on the list of its first
 * pageblock's migratetype and a free block spanning pageblocks has them all of one type; two free
 * buddies of the same order below maxOrder never coexist; counters are exact; with gigablocks,
 * every free block is on its own gigablock's list and the index equals a recomputation.
 */

const PREV_BITS = 26;
const PREV_MASK = (1 << PREV_BITS) - 1;
const ORDER_BITS_MASK = ~PREV_MASK; // bits 26..31 of a free head's desc (bit 31 is always 0)

const TAIL = 0;
const ALLOCATED = 1;
const CONTIG_HEAD = 2;
const CONTIG_TAIL = 3;

/** desc value of a page that is not a free head. */
function code(kind: number, order: number, mt: number): number {
  return ~(kind | (order << 2) | (mt << 7));
}
const TAIL_DESC = code(TAIL, 0, 0); // -1
const CONTIG_HEAD_DESC = code(CONTIG_HEAD, 0, 0);
const CONTIG_TAIL_DESC = code(CONTIG_TAIL, 0, 0);

/** Largest order a zone supports (5 bits in desc; 1 << order stays a positive int32). */
export const MAX_ZONE_ORDER = 25;
/** Largest zone: links are 26-bit pfns. */
export const MAX_PAGES = 2 ** PREV_BITS;
/** Unmovable allocations evacuate at most this many pageblocks before tainting a clean gigablock. */
const EVACUATIONS = 4;
/** Bytes of per-page metadata (link + desc). */
export const BYTES_PER_PAGE = 8;

/** What a pfn is, for error messages and scanners. */
export type PageState = 'free' | 'allocated' | 'held' | 'tail' | 'contig' | 'contig-tail';

export interface ZoneConfig {
  pages: number;
  maxOrder: number;
  pageblockOrder: number;
  /** Gigablocks of 2^gigablockOrder pages (>= maxOrder) with their own free lists; omitted: none. */
  gigablockOrder?: number;
  /** With gigablocks: find gigablocks by visiting each (the RFC's v1) instead of the bitmap index. */
  blindGigablockSearch?: boolean;
}

export class Zone {
  readonly pages: number;
  readonly maxOrder: number;
  readonly pageblockOrder: number;
  readonly pageblockPages: number;
  readonly pageblocks: number;

  /** Per-page columns (see above). */
  readonly link: Int32Array;
  readonly desc: Int32Array;
  /** First block of every free list (see above), -1 when empty. */
  readonly heads: Int32Array;
  /** Free blocks per order and type over the whole zone (order * NR_TYPES + mt). */
  readonly nrFree: Int32Array;
  freePages: number;

  /** log2 of the pages per gigablock (PREV_BITS without gigablocks: one spans the zone). */
  readonly gigablockShift: number;
  readonly listsPerGigablock: number;
  /** With gigablocks: the index and the policy that picks gigablocks from it. */
  readonly index: GigablockIndex | undefined;
  readonly policy: GigablockPolicy | undefined;
  /**
   * With gigablocks and migration: frees room for an unmovable or reclaimable block of `order`
   * in tainted gigablocks by migrating movable blocks out (gigablock-evacuate.ts); true when
   * something moved. Set by the PageAllocator.
   */
  evacuator: ((order: number) => boolean) | undefined = undefined;

  /** Per-pageblock columns (see above). */
  readonly pbType: Uint8Array;
  readonly pbFree: Int32Array;
  readonly pbMovable: Int32Array;
  readonly pbFixed: Int32Array;

  /** Zone-lock traffic: every zone operation is one acquisition; pages in and out of the zone. */
  lockAcquisitions = 0;
  pagesMoved = 0;

  constructor({ pages, maxOrder, pageblockOrder, gigablockOrder, blindGigablockSearch }: ZoneConfig) {
    this.pages = pages;
    this.maxOrder = maxOrder;
    this.pageblockOrder = pageblockOrder;
    this.pageblockPages = 1 << pageblockOrder;
    this.pageblocks = Math.ceil(pages / this.pageblockPages);
    this.gigablockShift = gigablockOrder ?? PREV_BITS;
    this.listsPerGigablock = (maxOrder + 1) * NR_TYPES;
    this.index = gigablockOrder === undefined ? undefined : new GigablockIndex(pages, gigablockOrder, pageblockOrder, maxOrder);
    this.policy = this.index && (blindGigablockSearch ? new BlindGigablockPolicy(this.index, maxOrder, this) : new GigablockPolicy(this.index, maxOrder));
    this.link = new Int32Array(pages);
    this.desc = new Int32Array(pages).fill(TAIL_DESC);
    this.heads = new Int32Array((this.index?.count ?? 1) * this.listsPerGigablock).fill(-1);
    this.nrFree = new Int32Array(this.listsPerGigablock);
    this.pbType = new Uint8Array(this.pageblocks).fill(MOVABLE);
    this.pbFree = new Int32Array(this.pageblocks);
    this.pbMovable = new Int32Array(this.pageblocks);
    this.pbFixed = new Int32Array(this.pageblocks);
    this.freePages = 0;
    // Boot: the whole zone is free, in the largest aligned blocks that fit (the tail forms
    // smaller ones). Added in descending pfn order so the lists hand out low pfns first.
    const blocks: number[] = [];
    this.forEachPiece(0, pages, (pfn, order) => blocks.push(pfn, order));
    for (let i = blocks.length - 2; i >= 0; i -= 2) this.listAdd(blocks[i]!, blocks[i + 1]!, MOVABLE);
    this.freePages = pages;
    this.account(this.pbFree, 0, pages, 1);
  }

  // ---------------------------------------------------------------------------------------
  // The narrow interface: take a block, put one back, counts.

  /**
   * __rmqueue: a block of `order` for migratetype `mt`, or -1. The kernel's sequence: the
   * requested type's smallest block, else claim a fallback type's pageblock (largest order
   * first), else steal a fallback type's smallest block without relabelling.
   */
  take(order: number, mt: number): number {
    this.lockAcquisitions++;
    const pfn = this.index === undefined ? this.rmqueue(order, mt) : this.rmqueueGigablocks(order, mt);
    if (pfn < 0) return -1;
    const n = 1 << order;
    this.desc[pfn] = code(ALLOCATED, order, mt);
    this.freePages -= n;
    this.pagesMoved += n;
    if (order <= this.pageblockOrder) {
      const pb = pfn >>> this.pageblockOrder;
      this.pbFree[pb]! -= n;
      if (mt === MOVABLE) this.pbMovable[pb]! += n;
      else this.pbFixed[pb]! += n;
    } else {
      this.account(this.pbFree, pfn, n, -1);
      this.account(mt === MOVABLE ? this.pbMovable : this.pbFixed, pfn, n, 1);
    }
    if (this.index !== undefined) {
      const gb = pfn >>> this.gigablockShift;
      this.index.addFree(gb, -n);
      if (isFixedType(mt)) this.index.addFixed(gb, n);
    }
    return pfn;
  }

  /** Frees the allocated block at `pfn` (the caller checked isAllocated), merging buddies. */
  put(pfn: number): void {
    this.lockAcquisitions++;
    const c = ~this.desc[pfn]!;
    const order = (c >>> 2) & 31;
    const mt = c >>> 7;
    const n = 1 << order;
    this.freePages += n;
    this.pagesMoved += n;
    if (order <= this.pageblockOrder) {
      const pb = pfn >>> this.pageblockOrder;
      this.pbFree[pb]! += n;
      if (mt === MOVABLE) this.pbMovable[pb]! -= n;
      else this.pbFixed[pb]! -= n;
    } else {
      this.account(this.pbFree, pfn, n, 1);
      this.account(mt === MOVABLE ? this.pbMovable : this.pbFixed, pfn, n, -1);
    }
    if (this.index !== undefined) {
      const gb = pfn >>> this.gigablockShift;
      this.index.addFree(gb, n);
      if (isFixedType(mt)) this.index.addFixed(gb, -n);
    }
    this.desc[pfn] = TAIL_DESC;
    this.addMerging(pfn, order);
  }

  /** True when pfn is the first page of a block a caller allocated with alloc(). */
  isAllocated(pfn: number): boolean {
    const d = this.desc[pfn]!;
    return d < 0 && ((~d) & 3) === ALLOCATED && (~d) >>> 7 !== HELD;
  }

  orderOf(head: number): number {
    const d = this.desc[head]!;
    return d >= 0 ? d >>> PREV_BITS : ((~d) >>> 2) & 31;
  }

  /** Migratetype an allocated head was allocated as (HELD for the allocator's own). */
  allocTypeOf(head: number): number {
    return (~this.desc[head]!) >>> 7;
  }

  stateOf(pfn: number): PageState {
    const d = this.desc[pfn]!;
    if (d >= 0) return 'free';
    const c = ~d;
    switch (c & 3) {
      case ALLOCATED:
        return c >>> 7 === HELD ? 'held' : 'allocated';
      case CONTIG_HEAD:
        return 'contig';
      case CONTIG_TAIL:
        return 'contig-tail';
      default:
        return 'tail';
    }
  }

  /** Free blocks of order >= `order`, over all migratetypes. */
  freeBlocksAtLeast(order: number): number {
    let n = 0;
    for (let i = order * NR_TYPES; i < this.nrFree.length; i++) n += this.nrFree[i]!;
    return n;
  }

  /**
   * fill_contig_page_info's free_blocks_suitable: how many blocks of `order` the free blocks of
   * that order or larger make. Merging and splitting leave it unchanged.
   */
  suitableBlocks(order: number): number {
    let n = 0;
    for (let k = order; k <= this.maxOrder; k++) {
      for (let t = 0; t < NR_TYPES; t++) n += this.nrFree[k * NR_TYPES + t]! * 2 ** (k - order);
    }
    return n;
  }

  /** Free blocks per order, like /proc/buddyinfo. */
  buddyinfo(): number[] {
    const out: number[] = [];
    for (let o = 0; o <= this.maxOrder; o++) {
      let n = 0;
      for (let t = 0; t < NR_TYPES; t++) n += this.nrFree[o * NR_TYPES + t]!;
      out.push(n);
    }
    return out;
  }

  freeBlocksOf(mt: number): number[] {
    const out: number[] = [];
    for (let o = 0; o <= this.maxOrder; o++) out.push(this.nrFree[o * NR_TYPES + mt]!);
    return out;
  }

  pageblocksOf(mt: number): number {
    let n = 0;
    for (let pb = 0; pb < this.pageblocks; pb++) if (this.pbType[pb] === mt) n++;
    return n;
  }

  /** Pages in pageblock `pb` (the last one may be partial). */
  pageblockSize(pb: number): number {
    return Math.min(this.pageblockPages, this.pages - pb * this.pageblockPages);
  }

  // ---------------------------------------------------------------------------------------
  // Block walking, for scanners (compaction, contiguous allocation, baselines, check()).

  /** First page of the block (buddy block or contiguous range) containing pfn. */
  blockStart(pfn: number): number {
    const d = this.desc[pfn]!;
    if (d >= 0) return pfn;
    const kind = (~d) & 3;
    if (kind === CONTIG_TAIL) return this.link[pfn]!;
    if (kind !== TAIL) return pfn;
    // A buddy tail: its head is the nearest aligned head whose block reaches pfn.
    for (let k = 1; k <= this.maxOrder; k++) {
      const head = pfn - (pfn & ((1 << k) - 1));
      const hd = this.desc[head]!;
      if ((hd >= 0 || ((~hd) & 3) === ALLOCATED) && this.orderOf(head) >= k) return head;
    }
    invariant(false, `page ${pfn} is a tail of no block`);
  }

  /** One past the last page of the block starting at `head`. */
  blockEnd(head: number): number {
    const d = this.desc[head]!;
    if (d >= 0) return head + (1 << (d >>> PREV_BITS));
    const c = ~d;
    if ((c & 3) === CONTIG_HEAD) return head + this.link[head]!;
    return head + (1 << ((c >>> 2) & 31));
  }

  isFreeHead(pfn: number): boolean {
    return this.desc[pfn]! >= 0;
  }

  /** An allocated MOVABLE buddy block (a caller's, not HELD). */
  isMovableHead(head: number): boolean {
    const d = this.desc[head]!;
    return d < 0 && ((~d) & 3) === ALLOCATED && (~d) >>> 7 === MOVABLE;
  }

  /** Pages nothing can move from pageblock pb (movable ones count when `pinned`). */
  pageblockObstacles(pb: number, pinned: boolean): number {
    return this.pbFixed[pb]! + (pinned ? this.pbMovable[pb]! : 0);
  }

  /** The last page in [from, to) that nothing can move, or -1 (walks blocks). */
  lastObstacle(from: number, to: number, pinned: boolean): number {
    let last = -1;
    for (let head = this.blockStart(from); head < to; ) {
      const end = this.blockEnd(head);
      if (this.desc[head]! < 0 && !(this.isMovableHead(head) && !pinned)) last = Math.min(end, to) - 1;
      head = end;
    }
    return last;
  }

  // ---------------------------------------------------------------------------------------
  // Held blocks: pages the allocator keeps for itself during compaction and contiguous
  // allocation. They count as fixed in the pageblock counters and as not free.

  /** Takes the free block at `head` off its free list and holds it. */
  holdFree(head: number): void {
    const order = this.desc[head]! >>> PREV_BITS;
    const n = 1 << order;
    this.listDel(head, order, this.pbType[head >>> this.pageblockOrder]!);
    this.desc[head] = code(ALLOCATED, order, HELD);
    this.freePages -= n;
    this.accountFree(head, n, -1);
    this.account(this.pbFixed, head, n, 1);
  }

  /** Marks pfn as the head of a held block of `order` (splitting a held block). */
  markHeld(pfn: number, order: number): void {
    this.desc[pfn] = code(ALLOCATED, order, HELD);
  }

  /**
   * Holds a caller's allocated block (after its contents migrated away, or into a per-CPU cache).
   * Its pages stay counted in the gigablock taint as the type they had: a per-CPU cache keeps
   * them counted as the type of the list it puts them on (pcp/per-cpu-cache.ts).
   */
  holdAllocated(head: number): void {
    const c = ~this.desc[head]!;
    const order = (c >>> 2) & 31;
    const n = 1 << order;
    this.account(c >>> 7 === MOVABLE ? this.pbMovable : this.pbFixed, head, n, -1);
    this.account(this.pbFixed, head, n, 1);
    this.desc[head] = code(ALLOCATED, order, HELD);
  }

  /**
   * Hands a held block to a caller as an allocation of `mt`, with the order it has now. Its pages
   * are already counted in the gigablock taint as `mt` (a per-CPU list of that type; movable or
   * free pages otherwise).
   */
  assignHeld(head: number, order: number, mt: number): void {
    const n = 1 << order;
    this.desc[head] = code(ALLOCATED, order, mt);
    this.account(this.pbFixed, head, n, -1);
    this.account(mt === MOVABLE ? this.pbMovable : this.pbFixed, head, n, 1);
  }

  /**
   * Holds every free page in [from, to): free blocks inside are held whole; a free block that
   * straddles an end is split, its outside pieces going back to the free lists.
   */
  holdFreeRange(from: number, to: number): void {
    this.lockAcquisitions++;
    for (let head = this.blockStart(from); head < to; ) {
      const end = this.blockEnd(head);
      if (this.desc[head]! >= 0) {
        if (head >= from && end <= to) {
          this.holdFree(head);
        } else {
          const order = this.desc[head]! >>> PREV_BITS;
          this.listDel(head, order, this.pbType[head >>> this.pageblockOrder]!);
          this.desc[head] = TAIL_DESC;
          const lo = Math.max(head, from);
          const hi = Math.min(end, to);
          this.forEachPiece(head, lo, (pfn, o) => this.listAdd(pfn, o, this.pbType[pfn >>> this.pageblockOrder]!));
          this.forEachPiece(hi, end, (pfn, o) => this.listAdd(pfn, o, this.pbType[pfn >>> this.pageblockOrder]!));
          this.forEachPiece(lo, hi, (pfn, o) => this.markHeld(pfn, o));
          this.freePages -= hi - lo;
          this.accountFree(lo, hi - lo, -1);
          this.account(this.pbFixed, lo, hi - lo, 1);
        }
      }
      head = end;
    }
  }

  /**
   * Frees every held block whose head lies in [from, to): undoes an operation a callback stopped
   * (the window's held free pages and the blocks already migrated out of it).
   */
  releaseHeld(from: number, to: number): void {
    const heads: number[] = [];
    for (let head = this.blockStart(from); head < to; head = this.blockEnd(head)) {
      const d = this.desc[head]!;
      if (head >= from && d < 0 && ((~d) & 3) === ALLOCATED && (~d) >>> 7 === HELD) heads.push(head);
    }
    for (const head of heads) this.releaseRange(head, this.blockEnd(head));
  }

  /** Frees held (or contiguous) pages [from, to) back to the free lists, merging buddies. */
  releaseRange(from: number, to: number): void {
    if (from >= to) return;
    this.lockAcquisitions++;
    this.desc.fill(TAIL_DESC, from, to);
    this.freePages += to - from;
    this.pagesMoved += to - from;
    this.account(this.pbFixed, from, to - from, -1);
    this.accountFree(from, to - from, 1);
    this.forEachPiece(from, to, (pfn, order) => this.addMerging(pfn, order));
  }

  /** Turns held pages [pfn, pfn + nrPages) into one contiguous allocation. */
  commitContig(pfn: number, nrPages: number): void {
    this.desc.fill(CONTIG_TAIL_DESC, pfn + 1, pfn + nrPages);
    this.link.fill(pfn, pfn + 1, pfn + nrPages);
    this.desc[pfn] = CONTIG_HEAD_DESC;
    this.link[pfn] = nrPages;
    this.pagesMoved += nrPages;
  }

  /** Length of the contiguous allocation starting at pfn, or -1 if pfn does not start one. */
  contigLength(pfn: number): number {
    return this.desc[pfn] === CONTIG_HEAD_DESC ? this.link[pfn]! : -1;
  }

  // ---------------------------------------------------------------------------------------
  // Per-CPU layer support (src/page/percpu.ts, src/page/pcp/). Blocks a per-CPU cache holds are
  // HELD blocks, taken with take() + holdAllocated() or holdFree(), split with markHeld(),
  // joined with joinHeld(), handed out with assignHeld() and returned with releaseRange().
  // The layer keeps pcpPages equal to the pages it holds; check() accepts exactly that many
  // HELD pages outside an operation (NR_FREE stays exact: free + cached + allocated = pages).

  /** Pages held by the per-CPU layer (maintained by the layer). */
  pcpPages = 0;

  /** Joins the held buddies [pfn, +2^(order-1)) and its upper half into one held block of `order`. */
  joinHeld(pfn: number, order: number): void {
    this.desc[pfn + (1 << (order - 1))] = TAIL_DESC;
    this.desc[pfn] = code(ALLOCATED, order, HELD);
  }

  // ---------------------------------------------------------------------------------------
  // The buddy algorithm.

  /** __rmqueue over the whole zone (the only path without gigablocks). */
  private rmqueue(order: number, mt: number): number {
    let pfn = this.rmqueueSmallest(order, mt);
    if (pfn < 0) pfn = this.rmqueueClaim(order, mt);
    if (pfn < 0) pfn = this.rmqueueSteal(order, mt);
    return pfn;
  }

  /** __rmqueue_smallest: the smallest block of `mt` (with gigablocks, in the lowest gigablock that has one). */
  private rmqueueSmallest(order: number, mt: number): number {
    const gb = this.policy === undefined ? 0 : this.policy.lowestWith(order, mt);
    return gb < 0 ? -1 : this.smallestIn(gb, order, mt);
  }

  /** The smallest block of `mt` and order >= `order` on gigablock gb's lists, split to `order`; or -1. */
  private smallestIn(gb: number, order: number, mt: number): number {
    const heads = this.heads;
    const base = gb * this.listsPerGigablock + mt;
    for (let o = order; o <= this.maxOrder; o++) {
      const pfn = heads[base + o * NR_TYPES]!;
      if (pfn < 0) continue;
      this.listDel(pfn, o, mt);
      this.expand(pfn, order, o, mt);
      return pfn;
    }
    return -1;
  }

  /** __rmqueue_claim: fallback types, largest order first, claiming whole pageblocks. */
  private rmqueueClaim(order: number, mt: number): number {
    for (let o = this.maxOrder; o >= order; o--) {
      const fallback = this.findFallback(o, mt);
      if (fallback < 0) continue;
      // can_steal_fallback: too small to be worth claiming for a movable request; steal instead.
      if (o < this.pageblockOrder >>> 1 && mt === MOVABLE) break;
      const got = this.tryClaimBlock(this.firstFree(o, fallback), o, order, mt, fallback, false);
      if (got >= 0) return got;
    }
    return -1;
  }

  /**
   * try_to_claim_block. Without `force` a block below pageblock order claims its pageblock only
   * when free + alike pages make half of it; with `force` (inside tainted gigablocks, the RFC's
   * v1 25/45) always.
   */
  private tryClaimBlock(pfn: number, current: number, order: number, mt: number, fallback: number, force: boolean): number {
    if (current >= this.pageblockOrder) {
      // A whole pageblock or more: relabel all of it and split it on the new type's lists.
      this.listDel(pfn, current, fallback);
      this.setTypeRange(pfn, current, mt);
      this.expand(pfn, order, current, mt);
      return pfn;
    }
    const pb = pfn >>> this.pageblockOrder;
    if (this.pageblockSize(pb) !== this.pageblockPages) return -1; // crosses the zone's end
    if (!force) {
      const free = this.pbFree[pb]!;
      const movable = this.pbMovable[pb]!;
      // Pages "alike" the request: movable ones for a movable request; for an unmovable or
      // reclaimable request in a movable block, everything neither free nor movable.
      const alike = mt === MOVABLE ? movable : fallback === MOVABLE ? this.pageblockPages - free - movable : 0;
      if (free + alike < this.pageblockPages >>> 1) return -1;
    }
    this.relabelPageblock(pb, mt);
    return this.smallestIn(pfn >>> this.gigablockShift, order, mt);
  }

  private rmqueueSteal(order: number, mt: number): number {
    for (let o = order; o <= this.maxOrder; o++) {
      const fallback = this.findFallback(o, mt);
      if (fallback >= 0) return this.stealBlock(this.firstFree(o, fallback), o, order, fallback);
    }
    return -1;
  }

  /** Takes the free block at pfn (of `current`, on a `fallback` list) for `order`, leaving its type. */
  private stealBlock(pfn: number, current: number, order: number, fallback: number): number {
    this.listDel(pfn, current, fallback);
    this.expand(pfn, order, current, fallback);
    return pfn;
  }

  /** The first block of free list (order, mt) — of the lowest gigablock that has one; the list is not empty. */
  private firstFree(order: number, mt: number): number {
    const gb = this.index === undefined ? 0 : this.index.hasFree[order * NR_TYPES + mt]!.findFirst();
    return this.heads[gb * this.listsPerGigablock + order * NR_TYPES + mt]!;
  }

  /**
   * __rmqueue with gigablocks: the placement policy (gigablock-policy.ts picks the gigablocks).
   * Tainted = holding unmovable or reclaimable pages (the index's count), not labels.
   *
   *   movable                1. a clean gigablock's movable block of the smallest order there is
   *                             (split only when no clean gigablock has the order), the fullest
   *                             gigablock among those;
   *                          2. a clean gigablock's block of another type (a label its freed
   *                             pages left), its pageblock claimed;
   *                          3. the kernel's sequence over the rest (tainted gigablocks).
   *   unmovable/reclaimable  1. a block of the type in a tainted gigablock;
   *                          2. a fallback type's block in a tainted gigablock, its pageblock claimed
   *                             whatever it holds;
   *                          3. evacuate movable blocks out of a tainted gigablock, then retry 1-2;
   *                          4. taint the fullest clean gigablock: claim its largest free block;
   *                          5. the kernel's sequence over the rest (clean gigablocks' blocks of
   *                             the other types).
   * Every free block is reached by some step, so a request fails only when no block of its
   * order or larger is free, as without gigablocks.
   */
  private rmqueueGigablocks(order: number, mt: number): number {
    const policy = this.policy!;
    if (mt === MOVABLE) {
      const gb = policy.pickMovable(order);
      if (gb >= 0) return this.smallestIn(gb, order, MOVABLE);
      const pfn = this.claimFallback(order, MOVABLE, false);
      return pfn >= 0 ? pfn : this.rmqueue(order, MOVABLE);
    }
    let pfn = this.rmqueueTainted(order, mt);
    for (let i = 0; pfn < 0 && i < EVACUATIONS && this.evacuator !== undefined && this.evacuator(order); i++) {
      pfn = this.rmqueueTainted(order, mt);
    }
    if (pfn >= 0) return pfn;
    const gb = policy.fullestClean(order, MOVABLE);
    if (gb < 0) return this.rmqueue(order, mt);
    for (let o = this.maxOrder; ; o--) {
      const head = this.heads[gb * this.listsPerGigablock + o * NR_TYPES + MOVABLE]!;
      if (head >= 0) return this.claimOrSteal(head, o, order, mt, MOVABLE);
    }
  }

  /** Steps 1 and 2 for an unmovable or reclaimable request: served inside tainted gigablocks. */
  private rmqueueTainted(order: number, mt: number): number {
    const policy = this.policy!;
    const preferred = policy.preferredFixed(mt);
    if (preferred >= 0) {
      const pfn = this.smallestIn(preferred, order, mt);
      if (pfn >= 0) return pfn;
    }
    const gb = policy.pickFixed(order, mt);
    if (gb >= 0) return this.smallestIn(gb, order, mt);
    return this.claimFallback(order, mt, true);
  }

  /**
   * A fallback type's free block (largest order first) in the lowest tainted (or clean)
   * gigablock that has one, its pageblock claimed for `mt`; or -1.
   */
  private claimFallback(order: number, mt: number, tainted: boolean): number {
    const policy = this.policy!;
    for (let o = this.maxOrder; o >= order; o--) {
      for (let i = 0; i < 2; i++) {
        const fallback = FALLBACKS[mt * 2 + i]!;
        const host = tainted ? policy.taintedWith(o, fallback) : policy.cleanWith(o, fallback);
        if (host < 0) continue;
        const head = this.heads[host * this.listsPerGigablock + o * NR_TYPES + fallback]!;
        return this.claimOrSteal(head, o, order, mt, fallback);
      }
    }
    return -1;
  }

  /** Claims the pageblock of a free block whatever it holds (stealing the block when it cannot). */
  private claimOrSteal(pfn: number, current: number, order: number, mt: number, fallback: number): number {
    const got = this.tryClaimBlock(pfn, current, order, mt, fallback, true);
    return got >= 0 ? got : this.stealBlock(pfn, current, order, fallback);
  }

  private findFallback(order: number, mt: number): number {
    for (let i = 0; i < 2; i++) {
      const t = FALLBACKS[mt * 2 + i]!;
      if (this.nrFree[order * NR_TYPES + t]! > 0) return t;
    }
    return -1;
  }

  /** Splits a block of `high` taken from the lists down to `low`, freeing the upper halves. */
  private expand(pfn: number, low: number, high: number, mt: number): void {
    while (high > low) {
      high--;
      this.listAdd(pfn + (1 << high), high, mt);
    }
  }

  /**
   * __free_one_page: adds a free block, merging it with its buddy (pfn ^ 1 << order) while the
   * buddy is a free block of the same order. Merging at pageblock order or above relabels the
   * buddy's pageblocks to the freed block's type, as the kernel does.
   */
  private addMerging(pfn: number, order: number): void {
    const desc = this.desc;
    const shift = this.pageblockOrder;
    let mt = this.pbType[pfn >>> shift]!;
    if (order > shift) this.setTypeRange(pfn, order, mt);
    while (order < this.maxOrder) {
      const buddy = pfn ^ (1 << order);
      if (buddy + (1 << order) > this.pages) break;
      const d = desc[buddy]!;
      if (d < 0 || d >>> PREV_BITS !== order) break;
      const buddyType = this.pbType[buddy >>> shift]!;
      this.listDel(buddy, order, buddyType);
      if (buddyType !== mt) this.setTypeRange(buddy, order, mt);
      desc[buddy] = TAIL_DESC;
      desc[pfn] = TAIL_DESC;
      pfn = pfn < buddy ? pfn : buddy;
      order++;
    }
    if (this.index !== undefined && order >= shift && mt !== MOVABLE) {
      // With gigablocks a wholly free pageblock keeps no unmovable or reclaimable label, so a
      // gigablock whose fixed pages are all freed is clean again (the RFC counts such pageblocks
      // as nr_free apart from the typed ones).
      mt = MOVABLE;
      this.setTypeRange(pfn, order, MOVABLE);
    }
    this.listAdd(pfn, order, mt);
  }

  /** Relabels one pageblock, moving its free blocks to the new type's lists. */
  private relabelPageblock(pb: number, mt: number): void {
    const old = this.pbType[pb]!;
    if (old === mt) return;
    this.setPageblockType(pb, mt);
    const start = pb << this.pageblockOrder;
    const end = start + this.pageblockSize(pb);
    for (let head = this.blockStart(start); head < end; ) {
      const d = this.desc[head]!;
      if (d >= 0) {
        const order = d >>> PREV_BITS;
        this.listDel(head, order, old);
        this.listAdd(head, order, mt);
      }
      head = this.blockEnd(head);
    }
  }

  /** Sets the type of every pageblock of the block [pfn, pfn + 2^order) (no free blocks moved). */
  private setTypeRange(pfn: number, order: number, mt: number): void {
    const first = pfn >>> this.pageblockOrder;
    const last = (pfn + (1 << order) - 1) >>> this.pageblockOrder;
    for (let pb = first; pb <= last; pb++) this.setPageblockType(pb, mt);
  }

  /** Sets one pageblock's type, keeping its gigablock's counts and taint. */
  private setPageblockType(pb: number, mt: number): void {
    const old = this.pbType[pb]!;
    if (old === mt) return;
    this.pbType[pb] = mt;
    if (this.index !== undefined) this.index.retype(pb >>> (this.gigablockShift - this.pageblockOrder), old, mt);
  }

  /** Index in `heads` of the free list a block of (order, mt) at pfn belongs on. */
  private listIndex(pfn: number, order: number, mt: number): number {
    return (pfn >>> this.gigablockShift) * this.listsPerGigablock + order * NR_TYPES + mt;
  }

  /** list_add: pushes a free block on the front of its list. */
  private listAdd(pfn: number, order: number, mt: number): void {
    const list = this.listIndex(pfn, order, mt);
    const next = this.heads[list]!;
    this.link[pfn] = next;
    this.desc[pfn] = pfn | (order << PREV_BITS);
    if (next >= 0) this.desc[next] = (this.desc[next]! & ORDER_BITS_MASK) | pfn;
    else if (this.index !== undefined) this.index.listFilled(pfn >>> this.gigablockShift, order * NR_TYPES + mt);
    this.heads[list] = pfn;
    this.nrFree[order * NR_TYPES + mt]!++;
  }

  private listDel(pfn: number, order: number, mt: number): void {
    const next = this.link[pfn]!;
    const prev = this.desc[pfn]! & PREV_MASK;
    if (prev !== pfn) {
      this.link[prev] = next;
      if (next >= 0) this.desc[next] = (this.desc[next]! & ORDER_BITS_MASK) | prev;
    } else {
      this.heads[this.listIndex(pfn, order, mt)] = next;
      if (next >= 0) this.desc[next] = (this.desc[next]! & ORDER_BITS_MASK) | next;
      else if (this.index !== undefined) this.index.listEmptied(pfn >>> this.gigablockShift, order * NR_TYPES + mt);
    }
    this.nrFree[order * NR_TYPES + mt]!--;
  }

  /** Whether gigablock gb's free list (order, mt) has a block (the index's check() asks). */
  hasFreeBlock(gb: number, order: number, mt: number): boolean {
    return this.heads[gb * this.listsPerGigablock + order * NR_TYPES + mt]! >= 0;
  }

  /** Free pages of [pfn, pfn + count) change by `sign` each: the pageblock and gigablock counts. */
  private accountFree(pfn: number, count: number, sign: number): void {
    this.account(this.pbFree, pfn, count, sign);
    if (this.index !== undefined) this.index.addFreeRange(pfn, count, sign);
  }

  /** Adds `sign` x (pages of [pfn, pfn + count) in each pageblock) to a pageblock column. */
  private account(column: Int32Array, pfn: number, count: number, sign: number): void {
    const shift = this.pageblockOrder;
    const end = pfn + count;
    for (let p = pfn; p < end; ) {
      const next = Math.min(((p >>> shift) + 1) << shift, end);
      column[p >>> shift]! += (next - p) * sign;
      p = next;
    }
  }

  /** The largest aligned blocks (order <= maxOrder) that tile [from, to), ascending. */
  forEachPiece(from: number, to: number, fn: (pfn: number, order: number) => void): void {
    for (let pfn = from; pfn < to; ) {
      let order = Math.min(this.maxOrder, 31 - Math.clz32(to - pfn));
      if (pfn !== 0) order = Math.min(order, 31 - Math.clz32(pfn & -pfn));
      fn(pfn, order);
      pfn += 1 << order;
    }
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Full verifier (ECORRUPT on any broken invariant). `cachedType` is the migratetype of the list
   * a per-CPU cache holds a held block on (-1: none), for the recount of gigablock taint.
   */
  check(cachedType: (head: number) => number = () => -1): void {
    const { pages, maxOrder, desc, link } = this;
    const shift = this.pageblockOrder;
    const seen = new Int32Array(this.heads.length);
    const fixedPages = new Int32Array(this.index?.count ?? 0);
    const free = new Int32Array(this.pageblocks);
    const movable = new Int32Array(this.pageblocks);
    const fixed = new Int32Array(this.pageblocks);
    const add = (column: Int32Array, from: number, count: number): void => {
      for (let p = from; p < from + count; p++) column[p >>> shift]!++;
    };
    let freePages = 0;
    let heldPages = 0;
    for (let pfn = 0; pfn < pages; ) {
      const d = desc[pfn]!;
      let size: number;
      if (d >= 0) {
        const order = d >>> PREV_BITS;
        size = 1 << order;
        invariant(order <= maxOrder, `free block ${pfn} has order ${order} > maxOrder`);
        invariant(pfn % size === 0 && pfn + size <= pages, `free block ${pfn} of order ${order} misaligned or past the zone`);
        const mt = this.pbType[pfn >>> shift]!;
        for (let pb = pfn >>> shift; pb <= (pfn + size - 1) >>> shift; pb++) {
          invariant(this.pbType[pb] === mt, `free block ${pfn} spans pageblocks of different types`);
        }
        seen[this.listIndex(pfn, order, mt)]!++;
        const buddy = pfn ^ size;
        if (order < maxOrder && buddy + size <= pages) {
          invariant(!(desc[buddy]! >= 0 && desc[buddy]! >>> PREV_BITS === order), `free buddies ${pfn} and ${buddy} of order ${order} not merged`);
        }
        add(free, pfn, size);
        freePages += size;
      } else {
        const c = ~d;
        const kind = c & 3;
        invariant(kind === ALLOCATED || kind === CONTIG_HEAD, `page ${pfn} (${this.stateOf(pfn)}) starts no block`);
        if (kind === ALLOCATED) {
          const order = (c >>> 2) & 31;
          const mt = c >>> 7;
          size = 1 << order;
          invariant(order <= maxOrder && pfn % size === 0 && pfn + size <= pages, `allocated block ${pfn} of order ${order} misaligned or past the zone`);
          if (mt === HELD) heldPages += size;
          add(mt === MOVABLE ? movable : fixed, pfn, size);
          if (isFixedType(mt === HELD ? cachedType(pfn) : mt) && this.index !== undefined) fixedPages[pfn >>> this.gigablockShift]! += size;
        } else {
          size = link[pfn]!;
          invariant(size >= 1 && pfn + size <= pages, `contiguous range ${pfn} has bad length ${size}`);
          for (let p = pfn + 1; p < pfn + size; p++) {
            invariant(desc[p] === CONTIG_TAIL_DESC && link[p] === pfn, `page ${p} of contiguous range ${pfn} is not its tail`);
          }
          add(fixed, pfn, size);
        }
      }
      if (d >= 0 || ((~d) & 3) === ALLOCATED) {
        for (let p = pfn + 1; p < pfn + size; p++) invariant(desc[p] === TAIL_DESC, `page ${p} inside block ${pfn} is not a tail`);
      }
      pfn += size;
    }
    const perType = new Int32Array(this.nrFree.length);
    for (let list = 0; list < this.heads.length; list++) {
      const gb = Math.floor(list / this.listsPerGigablock);
      const order = Math.floor((list % this.listsPerGigablock) / NR_TYPES);
      const mt = list % NR_TYPES;
      let count = 0;
      for (let prev = -1, node = this.heads[list]!; node >= 0; prev = node, node = link[node]!) {
        invariant(node < pages && count <= pages, `free list ${list} links to ${node}`);
        invariant(desc[node]! >= 0 && desc[node]! >>> PREV_BITS === order, `free list (order ${order}) holds page ${node} that is not a free block of that order`);
        invariant((desc[node]! & PREV_MASK) === (prev < 0 ? node : prev), `free list (order ${order}) prev link of ${node} is wrong`);
        invariant(this.pbType[node >>> shift] === mt, `free block ${node} is on the ${MIGRATETYPES[mt]} list of a ${MIGRATETYPES[this.pbType[node >>> shift]!]} pageblock`);
        invariant(node >>> this.gigablockShift === gb, `free block ${node} is on a list of gigablock ${gb}`);
        count++;
      }
      invariant(count === seen[list], `free list (gigablock ${gb}, order ${order}, ${MIGRATETYPES[mt]}) has ${count} blocks, the zone ${seen[list]}`);
      perType[order * NR_TYPES + mt]! += count;
    }
    for (let i = 0; i < perType.length; i++) {
      invariant(perType[i] === this.nrFree[i], `free lists (order ${Math.floor(i / NR_TYPES)}, ${MIGRATETYPES[i % NR_TYPES]}) have ${perType[i]} blocks, counted ${this.nrFree[i]}`);
    }
    invariant(freePages === this.freePages, `zone has ${freePages} free pages, counted ${this.freePages}`);
    invariant(heldPages === this.pcpPages, `zone has ${heldPages} held pages outside an operation, the per-CPU layer holds ${this.pcpPages}`);
    for (let pb = 0; pb < this.pageblocks; pb++) {
      invariant(
        free[pb] === this.pbFree[pb] && movable[pb] === this.pbMovable[pb] && fixed[pb] === this.pbFixed[pb],
        () => `pageblock ${pb} counters free/movable/fixed ${this.pbFree[pb]}/${this.pbMovable[pb]}/${this.pbFixed[pb]}, actual ${free[pb]}/${movable[pb]}/${fixed[pb]}`,
      );
      invariant(this.pbType[pb]! < NR_TYPES, `pageblock ${pb} has type ${this.pbType[pb]}`);
    }
    this.index?.check(this, maxOrder, fixedPages);
  }
}

