import { invariant } from '../../core/errors.ts';
import { NR_TYPES } from '../migratetype.ts';
import type { Zone } from '../zone.ts';
import { BlockLists } from './block-lists.ts';
import { PerCpuCache, PLAIN_REFILL } from './per-cpu-cache.ts';
import { COSTLY_ORDER } from './sizing.ts';
import type { PcpTuning } from './tuning.ts';

/** Refill phases (the RFC's numbering). */
const RECOVER = 0;
const CLAIM = 1;
const CHUNKS = 2;
const FALLBACK = PLAIN_REFILL;

/**
 * pcp: 'buddy' — the pcp buddy allocator (Johannes Weiner's RFC, April 2026).
 *
 * A CPU takes whole pageblocks from the zone and becomes their owner (owner[pb]). It splits and
 * merges their pages itself, under its own lock: its lists are a small buddy free area, one list
 * per order 0..pageblockOrder and migratetype, plus a queue of remote frees.
 *
 *   free(pfn) on CPU c, pfn in pageblock pb:
 *     owner[pb] == c or none -> c's own lists (merging with cached buddies when c owns pb)
 *     owner[pb] == o != c    -> o's remote queue (free_llist); o takes it in on its next call
 *
 * Frees thus go back to where the pages were allocated, and buddies meet again on the owner's
 * lists instead of under the zone lock. At `high`, a CPU drains what the kernel's nr_pcp_free
 * says (PcpSizing, the same 6.18 rules as the classic lists: the RFC keeps per_cpu_pages' high,
 * batch and free_count), largest blocks first (merging is eager, on free and on intake, so the
 * RFC's bottom-up merge pass before a drain has nothing left to do: larger blocks already go back
 * whole). A pageblock that goes back
 * to the zone whole ends its ownership (handover); one that goes back in part is remembered on
 * the owner's fragment list.
 *
 * Refill (rmqueue_bulk), nr_pcp_alloc's pages under one zone-lock acquisition, in four phases:
 *   0 recover the zone fragments of this CPU's owned pageblocks of the wanted type,
 *   1 claim whole free pageblocks (ownership),
 *   2 take sub-pageblock chunks of the wanted type, largest first (no migratetype stealing),
 *   3 only if nothing served the request yet: __rmqueue with its fallbacks, like the classic.
 * Blocks of phases 0 and 1, and any block in a pageblock this CPU owns, merge on the CPU; other
 * blocks are cached for batching only. When even the zone cannot serve, other CPUs are drained
 * one at a time, only as many pages as the request needs, retrying after each (the reviewer's
 * proposal instead of draining every CPU). Remote frees count as frees of the owner (free_count,
 * the drain at high) when it takes them in; the freeing CPU's cache is not involved.
 */
export class BuddyPcp extends PerCpuCache {
  readonly design = 'buddy' as const;
  private readonly shift: number;
  private readonly pbOrder: number;
  /**
   * The first slot of the remote-free queues, one per migratetype (after the (order, migratetype)
   * slots): a queued block waits on the queue of its pageblock's type at the free, so that its
   * pages count by a known type until the owner takes it in.
   */
  private readonly queueSlot: number;
  /** Owner CPU of each pageblock, -1 for none. */
  private readonly owner: Int16Array;
  /** Per CPU: owned pageblocks with pages drained to the zone (phase 0's owned_blocks list). */
  private readonly fragments: BlockLists;

  constructor(zone: Zone, tuning: PcpTuning) {
    const queueSlot = (zone.pageblockOrder + 1) * NR_TYPES;
    const largestFirst: number[] = [];
    for (let o = zone.pageblockOrder; o >= 0; o--) for (let mt = 0; mt < NR_TYPES; mt++) largestFirst.push(o * NR_TYPES + mt);
    super(zone, tuning, queueSlot + NR_TYPES, largestFirst, false);
    this.shift = zone.pageblockOrder;
    this.pbOrder = zone.pageblockOrder;
    this.queueSlot = queueSlot;
    this.owner = new Int16Array(zone.pageblocks).fill(-1);
    this.fragments = new BlockLists(zone.pageblocks, tuning.cpus);
  }

  /** Orders the CPUs cache: 0..3 and the pageblock order, none above it. */
  private cached(order: number): boolean {
    return order <= this.pbOrder && (order <= COSTLY_ORDER || order === this.pbOrder);
  }

  alloc(order: number, mt: number, cpu: number, bulk = false): number {
    this.intake(cpu);
    this.sizing.checkWatermark(this.zone.freePages);
    if (!this.cached(order)) return this.takeDirect(order, mt, cpu);
    this.sizing.allocating(cpu, bulk);
    let pfn = this.fromLists(order, mt, cpu);
    if (pfn < 0) {
      this.refill(order, mt, cpu, this.sizing.refillBlocks(cpu, order, this.count[cpu]!));
      pfn = this.fromLists(order, mt, cpu);
      if (pfn < 0) return this.reclaim(order, mt, cpu);
    }
    this.traffic.give(pfn, order, mt);
    return pfn;
  }

  free(pfn: number, cpu: number): void {
    this.intake(cpu);
    const order = this.zone.orderOf(pfn);
    if (!this.cached(order)) {
      this.traffic.put(pfn);
      this.released(pfn);
      return;
    }
    const owner = this.owner[pfn >>> this.shift]!;
    const mt = this.zone.pbType[pfn >>> this.shift]!; // the list (or queue): its pageblock's type
    this.recount(pfn, 1 << order, this.zone.allocTypeOf(pfn), mt);
    this.traffic.holdFreed(pfn);
    if (owner >= 0 && owner !== cpu) {
      this.cache(owner, this.queueSlot + mt, pfn, order, true);
      this.remoteFrees++;
      return;
    }
    this.cacheBlock(cpu, pfn, order, mt);
    this.drainOver(cpu, this.sizing.freed(cpu, order, this.count[cpu]!), 0);
  }

  /**
   * A warm start of `cpu` (as the classic layer's): its tuning state as after a quiet spell, then
   * up to `blocks` blocks of `order` for `mt` taken from the zone under one lock acquisition and
   * cached for batching (not owned: which pageblocks the RFC's CPU would own is not known).
   */
  warm(cpu: number, high: number | undefined, order: number, mt: number, blocks: number): number {
    this.sizing.rest(cpu, high);
    if (!this.cached(order) || blocks <= 0) return 0;
    return this.takeBulk(cpu, order, mt, blocks);
  }

  protected placeTaken(cpu: number, pfn: number, order: number, mt: number): void {
    this.cacheBlock(cpu, pfn, order, mt);
  }

  /** At the start of each call on `cpu`: take in its remote frees as its own, then respect `high`. */
  private intake(cpu: number): void {
    const queues = cpu * this.slots + this.queueSlot;
    const length = this.lists.length;
    if (length[queues]! + length[queues + 1]! + length[queues + 2]! === 0) return;
    this.drainOver(cpu, this.takeInQueue(cpu), 0);
  }

  /**
   * The owner moves the frees other CPUs queued for it onto its lists, merging them, each
   * counted as a free of `cpu`; the pages PcpSizing wants drained after the last.
   */
  private takeInQueue(cpu: number): number {
    let drain = 0;
    for (let queue = cpu * this.slots + this.queueSlot; queue < (cpu + 1) * this.slots; queue++) {
      for (let pfn = this.lists.first(queue); pfn >= 0; pfn = this.lists.first(queue)) {
        const order = this.zone.orderOf(pfn);
        const mt = this.zone.pbType[pfn >>> this.shift]!; // relabelled since the free, perhaps
        this.uncache(pfn, order);
        this.recount(pfn, 1 << order, queue % NR_TYPES, mt);
        this.cacheBlock(cpu, pfn, order, mt);
        drain = this.sizing.freed(cpu, order, this.count[cpu]!);
      }
    }
    return drain;
  }

  protected override prepareDrain(cpu: number): void {
    this.takeInQueue(cpu);
  }

  /**
   * Lists a held block (not yet counted on a CPU; its pages counted as `mt` in the gigablock
   * taint) on `cpu`. In a pageblock the CPU owns it first merges with its free buddies there
   * (owned pageblocks are whole, so a buddy is always inside; a buddy of another list's type is
   * recounted as `mt`).
   *
   *   order 0:  [x][b]         x freed, b cached  ->  [x b] order 1, then its buddy, ...
   */
  private cacheBlock(cpu: number, pfn: number, order: number, mt: number): void {
    if (this.owner[pfn >>> this.shift] === cpu) {
      const first = cpu * this.slots;
      while (order < this.pbOrder) {
        const buddy = pfn ^ (1 << order);
        const list = this.lists.listOf[buddy]!;
        if (list < first || list >= first + this.queueSlot || this.zone.orderOf(buddy) !== order) break;
        this.uncache(buddy, order);
        this.recount(buddy, 1 << order, list % NR_TYPES, mt);
        if (buddy < pfn) pfn = buddy;
        order++;
        this.zone.joinHeld(pfn, order);
        this.cpuMerges++;
      }
    }
    this.cache(cpu, order * NR_TYPES + mt, pfn, order, false);
  }

  /** The smallest cached block of order >= `order` for `mt`, split down to `order`; or -1. */
  private fromLists(order: number, mt: number, cpu: number): number {
    for (let o = order; o <= this.pbOrder; o++) {
      const pfn = this.lists.first(cpu * this.slots + o * NR_TYPES + mt);
      if (pfn < 0) continue;
      this.uncache(pfn, o);
      while (o > order) {
        o--;
        this.zone.markHeld(pfn, o);
        this.zone.markHeld(pfn + (1 << o), o);
        this.cache(cpu, o * NR_TYPES + mt, pfn + (1 << o), o, false);
      }
      return pfn;
    }
    return -1;
  }

  /** Whether `cpu` has a cached block of order >= `order` for `mt`. */
  private serves(order: number, mt: number, cpu: number): boolean {
    for (let o = order; o <= this.pbOrder; o++) if (this.lists.length[cpu * this.slots + o * NR_TYPES + mt]! > 0) return true;
    return false;
  }

  /** The four-phase refill of `blocks` blocks' worth (nr_pcp_alloc), under one zone-lock acquisition. */
  private refill(order: number, mt: number, cpu: number, blocks: number): void {
    const zone = this.zone;
    const target = blocks << order;
    let got = 0;
    this.traffic.lock();
    for (let pb = this.fragments.first(cpu); pb >= 0 && this.wants(got, target, order, mt, cpu); ) {
      const next = this.fragments.after(pb);
      if (zone.pbType[pb] === mt) {
        this.fragments.remove(pb);
        got += this.recover(pb, cpu, mt);
      }
      pb = next;
    }
    while (this.wants(got, target, order, mt, cpu) && zone.freeBlocksAtLeast(this.pbOrder) > 0) {
      const pfn = this.traffic.takeHeld(this.pbOrder, mt);
      if (pfn < 0) break;
      this.own(pfn >>> this.shift, cpu);
      this.cache(cpu, this.pbOrder * NR_TYPES + mt, pfn, this.pbOrder, false);
      got += 1 << this.pbOrder;
      this.refillPages[CLAIM]! += 1 << this.pbOrder;
    }
    for (let o = this.pbOrder - 1; o >= order && this.wants(got, target, order, mt, cpu); o--) {
      while (this.wants(got, target, order, mt, cpu) && zone.nrFree[o * NR_TYPES + mt]! > 0) {
        // The list of the wanted type is not empty: take() serves it without any fallback.
        const pfn = this.traffic.takeHeld(o, mt);
        this.cacheBlock(cpu, pfn, o, mt);
        got += 1 << o;
        this.refillPages[CHUNKS]! += 1 << o;
      }
    }
    if (!this.serves(order, mt, cpu)) {
      for (let i = 0; i < blocks; i++) {
        const pfn = this.traffic.takeHeld(order, mt);
        if (pfn < 0) break;
        this.cacheBlock(cpu, pfn, order, mt);
        this.refillPages[FALLBACK]! += 1 << order;
      }
    }
    this.traffic.unlock();
    this.refills++;
  }

  /** A refill goes on while it has fewer than `target` pages or nothing that serves the request. */
  private wants(got: number, target: number, order: number, mt: number, cpu: number): boolean {
    return got < target || !this.serves(order, mt, cpu);
  }

  /** Phase 0: takes back every free page of owned pageblock `pb` from the zone; its pages. */
  private recover(pb: number, cpu: number, mt: number): number {
    const zone = this.zone;
    let pages = 0;
    const end = (pb + 1) << this.shift;
    for (let head = zone.blockStart(pb << this.shift); head < end; ) {
      if (zone.isFreeHead(head)) {
        const order = this.traffic.holdFree(head);
        pages += 1 << order;
        this.recount(head, 1 << order, -1, mt);
        this.cacheBlock(cpu, head, order, mt);
        head = zone.blockStart(head); // merged with a cached buddy, perhaps below
      }
      head = zone.blockEnd(head);
    }
    this.refillPages[RECOVER]! += pages;
    return pages;
  }

  private own(pb: number, cpu: number): void {
    // Only a pageblock freed whole past the layer (zoneChanged not yet told) can still have one.
    if (this.owner[pb]! >= 0) this.disown(pb);
    this.owner[pb] = cpu;
    this.ownedPageblocks++;
  }

  private disown(pb: number): void {
    if (this.fragments.listOf[pb]! >= 0) this.fragments.remove(pb);
    this.owner[pb] = -1;
    this.ownedPageblocks--;
    this.handovers++;
  }

  /** After pages of an owned pageblock went back to the zone: handover, or remember the fragment. */
  protected override released(pfn: number): void {
    this.settle(pfn >>> this.shift);
  }

  override zoneChanged(from: number, to: number): void {
    if (from >= to) return;
    for (let pb = from >>> this.shift; pb <= (to - 1) >>> this.shift; pb++) this.settle(pb);
  }

  /** An owned pageblock wholly free in the zone is handed over; one partly free is a fragment. */
  private settle(pb: number): void {
    const owner = this.owner[pb]!;
    if (owner < 0 || this.zone.pbFree[pb] === 0) return;
    if (this.zone.pbFree[pb] === this.zone.pageblockSize(pb)) this.disown(pb);
    else if (this.fragments.listOf[pb]! < 0) this.fragments.pushTail(owner, pb);
  }

  /** Other CPUs first, then this one: each drained only as much as the request needs, then a retry. */
  protected reclaim(order: number, mt: number, cpu: number): number {
    for (let i = 1; i <= this.cpus; i++) {
      const victim = (cpu + i) % this.cpus;
      while (this.count[victim]! > 0) {
        this.drainPages(victim, 1 << order);
        const pfn = this.traffic.take(order, mt);
        if (pfn >= 0) return pfn;
      }
    }
    return -1;
  }

  protected slotOrder(slot: number): number {
    return slot >= this.queueSlot ? -1 : Math.floor(slot / NR_TYPES);
  }

  protected checkDesign(): void {
    this.fragments.check();
    let owned = 0;
    for (let pb = 0; pb < this.zone.pageblocks; pb++) {
      const o = this.owner[pb]!;
      invariant(o >= -1 && o < this.cpus, `pageblock ${pb} has owner ${o}`);
      const listed = this.fragments.listOf[pb]!;
      invariant(listed < 0 || listed === o, `pageblock ${pb} is on CPU ${listed}'s fragment list, owned by ${o}`);
      if (o < 0) continue;
      owned++;
      const free = this.zone.pbFree[pb]!;
      invariant(this.zone.pageblockSize(pb) === 1 << this.shift, `owned pageblock ${pb} is partial`);
      invariant(free < 1 << this.shift, `owned pageblock ${pb} is wholly free in the zone (no handover)`);
      invariant(free === 0 || listed === o, `owned pageblock ${pb} has ${free} pages in the zone but is not on CPU ${o}'s fragment list`);
    }
    invariant(owned === this.ownedPageblocks, `${owned} pageblocks owned, counted ${this.ownedPageblocks}`);
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const first = cpu * this.slots;
      for (let queue = first + this.queueSlot; queue < first + this.slots; queue++) {
        for (let pfn = this.lists.first(queue); pfn >= 0; pfn = this.lists.after(pfn)) {
          invariant(this.owner[pfn >>> this.shift] === cpu, `pfn ${pfn} is queued for CPU ${cpu}, which does not own its pageblock`);
        }
      }
      // Owned blocks are fully merged: no cached buddy of the same order on the same CPU.
      for (let list = first; list < first + this.queueSlot; list++) {
        for (let pfn = this.lists.first(list); pfn >= 0; pfn = this.lists.after(pfn)) {
          const order = this.zone.orderOf(pfn);
          if (this.owner[pfn >>> this.shift] !== cpu || order >= this.pbOrder) continue;
          const buddy = pfn ^ (1 << order);
          const l = this.lists.listOf[buddy]!;
          invariant(!(l >= first && l < first + this.queueSlot && this.zone.orderOf(buddy) === order), `CPU ${cpu} caches buddies ${pfn} and ${buddy} of order ${order} unmerged`);
        }
      }
    }
  }
}
