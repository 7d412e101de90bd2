import { invariant } from '../../core/errors.ts';
import type { GigablockIndex } from '../gigablock/index.ts';
import { NR_TYPES, isFixedType } from '../migratetype.ts';
import type { PcpDesign, PcpStats, PerCpuLayer } from './api.ts';
import type { Zone } from '../zone.ts';
import { BlockLists } from './block-lists.ts';
import { PcpSizing } from './sizing.ts';
import { startHigh, type PcpTuning } from './tuning.ts';
import { ZoneTraffic } from './zone-traffic.ts';

/** The refill phase of a plain rmqueue_bulk (the pcp buddy's phase 3; every classic refill). */
export const PLAIN_REFILL = 3;

/**
 * What the classic and the pcp buddy caches share: each CPU has `slots` lists of cached blocks
 * (all in one BlockLists, list = cpu * slots + slot), a page count checked against `high`, and
 * the drain machinery that returns blocks to the zone under one zone-lock acquisition per batch,
 * sized by the kernel's rules (PcpSizing: batch scaling, free_count, high tuning and decay).
 * A cached block is a HELD block of the zone listed by its first pfn; its order is the zone's.
 * Every design lays its slots out so that slot % NR_TYPES is the migratetype of the list: a block
 * cached on an unmovable or reclaimable list taints its gigablock (DESIGN.md). The zone counts a
 * caller's block as its type from take() to put(), held or not; so a cached block must be counted
 * as its list's type, and the layer calls recount() wherever a held block changes type (freed by
 * a caller onto a list of another type, merged or moved across lists) or enters or leaves the
 * zone's free lists. Refills (taken as the list's type) and hand-outs (from a list of the
 * caller's type) change nothing, so the hot paths do no taint work.
 */
export abstract class PerCpuCache implements PerCpuLayer {
  abstract readonly design: PcpDesign;
  readonly cpus: number;
  readonly high: number;
  readonly batch: number;

  protected readonly zone: Zone;
  /** With gigablocks: where the pages cached on unmovable and reclaimable lists are counted. */
  private readonly index: GigablockIndex | undefined;
  protected readonly traffic: ZoneTraffic;
  /** How many pages refills and drains move and where high is, per CPU (6.18's rules). */
  protected readonly sizing: PcpSizing;
  protected readonly lists: BlockLists;
  protected readonly slots: number;
  /** Pages each CPU holds, on its lists (and, for the pcp buddy, its remote-free queue). */
  protected readonly count: Int32Array;
  /** Slots in the order a batch drain visits them. */
  private readonly drainOrder: Int32Array;
  /** Rotate through the lists from where the last drain stopped (classic), or start each drain at drainOrder[0]. */
  private readonly rotate: boolean;
  private readonly cursor: Int32Array;

  protected drains = 0;
  protected refills = 0;
  protected cpuMerges = 0;
  protected remoteFrees = 0;
  protected handovers = 0;
  protected ownedPageblocks = 0;
  protected readonly refillPages = [0, 0, 0, 0];

  constructor(zone: Zone, tuning: PcpTuning, slots: number, drainOrder: number[], rotate: boolean) {
    this.zone = zone;
    this.index = zone.index;
    this.cpus = tuning.cpus;
    this.high = startHigh(tuning, 0);
    this.batch = tuning.batch;
    this.traffic = new ZoneTraffic(zone);
    this.sizing = new PcpSizing(tuning);
    this.slots = slots;
    this.lists = new BlockLists(zone.pages, tuning.cpus * slots);
    this.count = new Int32Array(tuning.cpus);
    this.drainOrder = Int32Array.from(drainOrder);
    this.rotate = rotate;
    this.cursor = new Int32Array(tuning.cpus);
    invariant(slots % NR_TYPES === 0, `${slots} slots per CPU: not a whole number of migratetype groups`);
  }

  abstract alloc(order: number, mt: number, cpu: number): number;
  abstract free(pfn: number, cpu: number): void;

  /** The order every block of `slot` has, or -1 when a slot mixes orders. */
  protected abstract slotOrder(slot: number): number;

  /**
   * The slow path when neither the cache nor the zone can serve a request: give cached pages
   * back and take the block straight from the zone. Returns a caller's block or -1.
   */
  protected abstract reclaim(order: number, mt: number, cpu: number): number;

  /** Runs before a CPU's cache is drained (the pcp buddy takes in its remote frees here). */
  protected prepareDrain(_cpu: number): void {}

  /** Runs after a held block went back to the zone (the pcp buddy ends ownership here). */
  protected released(_pfn: number): void {}

  /** Design-specific invariants. */
  protected abstract checkDesign(): void;

  /** Where a block of `order` for `mt` that a plain refill took from the zone goes on `cpu`. */
  protected abstract placeTaken(cpu: number, pfn: number, order: number, mt: number): void;

  get cachedPages(): number {
    return this.zone.pcpPages;
  }

  drain(cpu: number): void {
    if (cpu >= 0) this.drainPages(cpu, Infinity);
    else for (let c = 0; c < this.cpus; c++) this.drainPages(c, Infinity);
  }

  drainRange(from: number, to: number): void {
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      this.prepareDrain(cpu);
      let locked = false;
      for (let list = cpu * this.slots; list < (cpu + 1) * this.slots; list++) {
        for (let pfn = this.lists.first(list); pfn >= 0; ) {
          const next = this.lists.after(pfn);
          if (pfn < to && pfn + (1 << this.zone.orderOf(pfn)) > from) {
            if (!locked) this.traffic.lock();
            locked = true;
            this.releaseBlock(pfn);
          }
          pfn = next;
        }
      }
      if (locked) {
        this.traffic.unlock();
        this.drains++;
      }
    }
  }

  zoneChanged(_from: number, _to: number): void {}

  /** decay_pcp_high: the kernel's per-second vmstat refresh of one CPU's cache. */
  decay(cpu: number): void {
    const excess = this.sizing.decay(cpu, this.count[cpu]!);
    if (excess > 0) this.drainPages(cpu, excess, 0);
  }

  /**
   * A free's drain over high: `pages` pages (none for 0, as PcpSizing.freed says) from drainOrder
   * position `first`; then ZONE_BELOW_HIGH clears if the zone is above its watermark again.
   */
  protected drainOver(cpu: number, pages: number, first: number): void {
    if (pages <= 0) return;
    this.drainPages(cpu, pages, first);
    this.sizing.drained(this.zone.freePages);
  }

  /**
   * rmqueue_bulk's plain loop: up to `blocks` blocks of `order` for `mt` from the zone under one
   * lock acquisition, each placed on `cpu` (placeTaken); counted as a refill of the plain phase.
   * Returns the blocks taken.
   */
  protected takeBulk(cpu: number, order: number, mt: number, blocks: number): number {
    this.traffic.lock();
    let got = 0;
    for (; got < blocks; got++) {
      const pfn = this.traffic.takeHeld(order, mt);
      if (pfn < 0) break;
      this.placeTaken(cpu, pfn, order, mt);
    }
    this.traffic.unlock();
    this.refills++;
    this.refillPages[PLAIN_REFILL]! += got << order;
    return got;
  }

  /** A caller's block that the zone serves directly (orders the cache does not keep). */
  protected takeDirect(order: number, mt: number, cpu: number): number {
    const pfn = this.traffic.take(order, mt);
    return pfn >= 0 ? pfn : this.reclaim(order, mt, cpu);
  }

  /**
   * free_pcppages_bulk: returns at least `pages` pages of `cpu` (all it has for Infinity) to
   * the zone under one lock acquisition, whole lists from their tails (the coldest blocks), in
   * drainOrder from position `first` (or from where the last drain stopped, when rotating).
   */
  protected drainPages(cpu: number, pages: number, first = -1): void {
    this.prepareDrain(cpu);
    if (this.count[cpu] === 0) return;
    this.traffic.lock();
    const n = this.drainOrder.length;
    const from = first >= 0 ? first : this.cursor[cpu]!;
    let freed = 0;
    let i = 0;
    for (; i < n && freed < pages; i++) {
      const list = cpu * this.slots + this.drainOrder[(from + i) % n]!;
      for (let pfn = this.lists.last(list); pfn >= 0 && freed < pages; pfn = this.lists.last(list)) freed += this.releaseBlock(pfn);
    }
    if (this.rotate) this.cursor[cpu] = (this.cursor[cpu]! + i) % n;
    this.traffic.unlock();
    this.drains++;
  }

  /** Lists a block (not yet counted) on `slot` of `cpu`, at the head or the tail. */
  protected cache(cpu: number, slot: number, pfn: number, order: number, atTail: boolean): void {
    const list = cpu * this.slots + slot;
    if (atTail) this.lists.pushTail(list, pfn);
    else this.lists.pushHead(list, pfn);
    this.count[cpu]! += 1 << order;
  }

  /** Unlists a cached block of `order`; it stays held. */
  protected uncache(pfn: number, order: number): void {
    const cpu = (this.lists.listOf[pfn]! / this.slots) | 0;
    this.lists.remove(pfn);
    this.count[cpu]! -= 1 << order;
  }

  /**
   * With gigablocks: the `pages` pages of a held block at pfn are now counted as migratetype `to`
   * instead of `from` (-1: free, not counted); the gigablock's taint follows.
   */
  protected recount(pfn: number, pages: number, from: number, to: number): void {
    const index = this.index;
    if (index === undefined || from === to) return;
    const gb = pfn >>> this.zone.gigablockShift;
    if (isFixedType(from)) index.addFixed(gb, -pages);
    if (isFixedType(to)) index.addFixed(gb, pages);
  }

  cachedTypeOf(pfn: number): number {
    const list = this.lists.listOf[pfn]!;
    return list < 0 ? -1 : list % NR_TYPES;
  }

  /** Returns a cached block to the zone (the caller holds the zone lock); its pages. */
  private releaseBlock(pfn: number): number {
    const order = this.zone.orderOf(pfn);
    this.recount(pfn, 1 << order, this.cachedTypeOf(pfn), -1);
    this.uncache(pfn, order);
    this.traffic.release(pfn, order);
    this.released(pfn);
    return 1 << order;
  }

  stats(): PcpStats {
    return {
      design: this.design,
      high: this.high,
      batch: this.batch,
      cachedPages: this.zone.pcpPages,
      cachedPerCpu: Array.from(this.count),
      highPerCpu: Array.from({ length: this.cpus }, (_, cpu) => this.sizing.highOf(cpu)),
      zoneBlocks: this.traffic.blocks,
      zoneMerges: this.traffic.merges,
      cpuMerges: this.cpuMerges,
      remoteFrees: this.remoteFrees,
      drains: this.drains,
      refills: this.refills,
      refillPages: [...this.refillPages],
      ownedPageblocks: this.ownedPageblocks,
      handovers: this.handovers,
    };
  }

  check(): void {
    this.lists.check();
    let total = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      let pages = 0;
      for (let slot = 0; slot < this.slots; slot++) {
        const want = this.slotOrder(slot);
        for (let pfn = this.lists.first(cpu * this.slots + slot); pfn >= 0; pfn = this.lists.after(pfn)) {
          invariant(this.zone.stateOf(pfn) === 'held', `CPU ${cpu} caches pfn ${pfn}, which the zone has ${this.zone.stateOf(pfn)}`);
          const order = this.zone.orderOf(pfn);
          invariant(want < 0 || order === want, `CPU ${cpu} caches pfn ${pfn} of order ${order} on a list of order ${want}`);
          pages += 1 << order;
        }
      }
      invariant(pages === this.count[cpu], `CPU ${cpu} caches ${pages} pages, counted ${this.count[cpu]}`);
      total += pages;
    }
    invariant(total === this.zone.pcpPages, `the CPUs cache ${total} pages, the zone counts ${this.zone.pcpPages} held for them`);
    this.checkDesign();
  }
}
