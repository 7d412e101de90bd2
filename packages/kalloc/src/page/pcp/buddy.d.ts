import type { Zone } from '../zone.ts';
import { PerCpuCache } from './per-cpu-cache.ts';
import type { PcpTuning } from './tuning.ts';
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
 * lists instead of under the zone lock. Over `high`, a CPU drains `batch` pages, largest blocks
 * first (merging is eager, on free and on intake, so the RFC's bottom-up merge pass before a
 * drain has nothing left to do: larger blocks already go back whole). A pageblock that goes back
 * to the zone whole ends its ownership (handover); one that goes back in part is remembered on
 * the owner's fragment list.
 *
 * Refill (rmqueue_bulk), `batch` pages' worth under one zone-lock acquisition, in four phases:
 *   0 recover the zone fragments of this CPU's owned pageblocks of the wanted type,
 *   1 claim whole free pageblocks (ownership),
 *   2 take sub-pageblock chunks of the wanted type, largest first (no migratetype stealing),
 *   3 only if nothing served the request yet: __rmqueue with its fallbacks, like the classic.
 * Blocks of phases 0 and 1, and any block in a pageblock this CPU owns, merge on the CPU; other
 * blocks are cached for batching only. When even the zone cannot serve, other CPUs are drained
 * one at a time, only as many pages as the request needs, retrying after each (the reviewer's
 * proposal instead of draining every CPU).
 */
export declare class BuddyPcp extends PerCpuCache {
    readonly design: "buddy";
    private readonly shift;
    private readonly pbOrder;
    /** The slot of the remote-free queue (after the (order, migratetype) slots). */
    private readonly queueSlot;
    /** Owner CPU of each pageblock, -1 for none. */
    private readonly owner;
    /** Per CPU: owned pageblocks with pages drained to the zone (phase 0's owned_blocks list). */
    private readonly fragments;
    constructor(zone: Zone, tuning: PcpTuning);
    /** Orders the CPUs cache: 0..3 and the pageblock order, none above it. */
    private cached;
    alloc(order: number, mt: number, cpu: number): number;
    free(pfn: number, cpu: number): void;
    /** At the start of each call on `cpu`: take in its remote frees, then respect `high`. */
    private intake;
    /** The owner moves the frees other CPUs queued for it onto its lists, merging them. */
    private takeInQueue;
    protected prepareDrain(cpu: number): void;
    /**
     * Lists a held block (not yet counted) on `cpu`. In a pageblock the CPU owns it first merges
     * with its free buddies there (owned pageblocks are whole, so a buddy is always inside).
     *
     *   order 0:  [x][b]         x freed, b cached  ->  [x b] order 1, then its buddy, ...
     */
    private cacheBlock;
    /** The smallest cached block of order >= `order` for `mt`, split down to `order`; or -1. */
    private fromLists;
    /** Whether `cpu` has a cached block of order >= `order` for `mt`. */
    private serves;
    /** The four-phase refill, under one zone-lock acquisition. */
    private refill;
    /** A refill goes on while it has fewer than `target` pages or nothing that serves the request. */
    private wants;
    /** Phase 0: takes back every free page of owned pageblock `pb` from the zone; its pages. */
    private recover;
    private own;
    private disown;
    /** After pages of an owned pageblock went back to the zone: handover, or remember the fragment. */
    protected released(pfn: number): void;
    zoneChanged(from: number, to: number): void;
    /** An owned pageblock wholly free in the zone is handed over; one partly free is a fragment. */
    private settle;
    /** Other CPUs first, then this one: each drained only as much as the request needs, then a retry. */
    protected reclaim(order: number, mt: number, cpu: number): number;
    protected slotOrder(slot: number): number;
    protected checkDesign(): void;
}
