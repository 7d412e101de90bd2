import type { PcpDesign, PcpStats, PerCpuLayer } from './percpu.ts';
import type { Zone } from '../zone.ts';
import { BlockLists } from './block-lists.ts';
import type { PcpTuning } from './tuning.ts';
import { ZoneTraffic } from './zone-traffic.ts';
/**
 * What the classic and the pcp buddy caches share: each CPU has `slots` lists of cached blocks
 * (all in one BlockLists, list = cpu * slots + slot), a page count checked against `high`, and
 * the drain machinery that returns blocks to the zone under one zone-lock acquisition per batch.
 * A cached block is a HELD block of the zone listed by its first pfn; its order is the zone's.
 */
export declare abstract class PerCpuCache implements PerCpuLayer {
    abstract readonly design: PcpDesign;
    readonly cpus: number;
    readonly high: number;
    readonly batch: number;
    protected readonly zone: Zone;
    protected readonly traffic: ZoneTraffic;
    protected readonly lists: BlockLists;
    protected readonly slots: number;
    /** Pages each CPU holds, on its lists (and, for the pcp buddy, its remote-free queue). */
    protected readonly count: Int32Array;
    /** Slots in the order a batch drain visits them. */
    private readonly drainOrder;
    /** Rotate through the lists from where the last drain stopped (classic), or start each drain at drainOrder[0]. */
    private readonly rotate;
    private readonly cursor;
    protected drains: number;
    protected refills: number;
    protected cpuMerges: number;
    protected remoteFrees: number;
    protected handovers: number;
    protected ownedPageblocks: number;
    protected readonly refillPages: number[];
    constructor(zone: Zone, tuning: PcpTuning, slots: number, drainOrder: number[], rotate: boolean);
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
    protected prepareDrain(_cpu: number): void;
    /** Runs after a held block went back to the zone (the pcp buddy ends ownership here). */
    protected released(_pfn: number): void;
    /** Design-specific invariants. */
    protected abstract checkDesign(): void;
    get cachedPages(): number;
    drain(cpu: number): void;
    drainRange(from: number, to: number): void;
    zoneChanged(_from: number, _to: number): void;
    /** A caller's block that the zone serves directly (orders the cache does not keep). */
    protected takeDirect(order: number, mt: number, cpu: number): number;
    /**
     * free_pcppages_bulk: returns at least `pages` pages of `cpu` (all it has for Infinity) to
     * the zone under one lock acquisition, whole lists from their tails (the coldest blocks), in
     * drainOrder.
     */
    protected drainPages(cpu: number, pages: number): void;
    /** Lists a block (not yet counted) on `slot` of `cpu`, at the head or the tail. */
    protected cache(cpu: number, slot: number, pfn: number, order: number, atTail: boolean): void;
    /** Unlists a cached block of `order`; it stays held. */
    protected uncache(pfn: number, order: number): void;
    /** Returns a cached block to the zone (the caller holds the zone lock); its pages. */
    private releaseBlock;
    stats(): PcpStats;
    check(): void;
}
