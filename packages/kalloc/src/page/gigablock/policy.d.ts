import { type GigablockIndex } from './index.ts';
/**
 * Which gigablock serves a request: the picking half of the placement policy, split from the
 * allocating half (Zone.rmqueueGigablocks) as the RFC thread asked. Every pick is a word-wise AND
 * of index bitmaps and a find-first-set; none walks a free list.
 *
 *   movable                 the fullest clean gigablock with a movable block of the order or
 *                           larger (fullness classes fullest first, the lowest in a class); the
 *                           pick is remembered and reused while the gigablock stays clean and at
 *                           most one fullness class emptier than it has been since (frees that
 *                           empty it further re-pick), so the steady state costs two reads
 *   unmovable, reclaimable  the lowest gigablock with a block of the type (all in tainted ones),
 *                           remembered while it has one; else a fallback type's block inside a
 *                           tainted gigablock; a clean one only when nothing tainted can serve
 *   1 GiB contiguous        clean whole gigablocks, emptiest first (fewest pages to migrate)
 */
export declare class GigablockPolicy {
    private readonly index;
    private readonly maxOrder;
    /** Per migratetype: the gigablock picked last, or -1. */
    private readonly preferred;
    /** The lowest fullness class the movable pick has had since it was made. */
    private preferredClass;
    /** Scratch: the gigablocks with a free block of the wanted type and order or larger. */
    private readonly candidates;
    /** findFirstWhere operands, reused so that a pick allocates nothing. */
    private readonly pair;
    private readonly none;
    private readonly taintedOnly;
    constructor(index: GigablockIndex, maxOrder: number);
    /** The remembered movable gigablock while it is clean and at most one class emptier than it has been, or -1. */
    preferredMovable(): number;
    /** The remembered gigablock of an unmovable or reclaimable type, or -1. */
    preferredFixed(mt: number): number;
    /** The fullest clean gigablock with a free block of `mt` of order >= `order` (remembered for movable), or -1. */
    fullestClean(order: number, mt: number): number;
    /** The lowest gigablock with a free block of `mt` and the smallest order >= `order`, or -1. */
    lowestWith(order: number, mt: number): number;
    /** lowestWith for an unmovable or reclaimable request, remembered. */
    pickFixed(order: number, mt: number): number;
    /** The lowest tainted gigablock with a free block of exactly (order, mt), or -1. */
    taintedWith(order: number, mt: number): number;
    /** The first clean whole gigablock >= from in fullness class c, or -1. */
    cleanWhole(c: number, from: number): number;
}
