import { ilog2 } from "../core/bits.js";
import { NIL } from "../core/rb-forest.js";
import { invariant } from "../core/errors.js";
import { requireBoolean } from "../core/validate.js";
import { CLEAR, DIRTY, FREE, MIXED, SPLIT, alignmentMark } from "./block-pool.js";
import { BuddyCore, Pick } from "./buddy-core.js";
import { ClearTracker } from "./clear-tracker.js";
import { NumberList } from "../core/number-list.js";
/**
 * The two lanes of the free trees (see alignmentMark): a block's mark sits in
 *   UNCLEAR_LANE  if it is not all cleared, dirty or mixed (the kernel's subtree_has_dirty)
 *   CLEAR_LANE    if it is all cleared
 * So one O(log N) descent finds the highest block of a class (max > 0), or of a class at an
 * offset aligned to 2^a (max >= a + 1); "any block" is the higher of the two.
 */
const UNCLEAR_LANE = 0;
const CLEAR_LANE = 1;
const ANY = -1;
/**
 * The GPU buddy allocator with the 2026 design (clear tracker, v4): one free tree per order
 * holding every free block, clear or dirty; buddies always coalesce on free; cleared free memory
 * is tracked out of band as extents in a ClearTracker, so it survives merges and splits and no
 * force-merge is ever needed.
 *
 * - Dirty allocations take blocks with dirty memory first (the highest of the smallest order
 *   that has one) and split toward the dirtier half, so cleared memory stays while dirty
 *   memory can serve.
 * - Clear allocations take the smallest all-cleared block, else steer into a cleared extent
 *   inside a partly cleared block (O(log E)), splitting toward it, else any free block.
 * - A block reports clear iff the allocation asked for clear memory and all of it was cleared;
 *   allocated memory is always dirty in the tracker, so clearAvail is exact at all times.
 */
export class BuddyAllocator extends BuddyCore {
    tracker = new ClearTracker();
    /** Clear ranges the allocation in progress took out of the tracker (start, end pairs). */
    clearLog = new NumberList();
    constructor(options) {
        super(options, 1, 2);
    }
    get clearAvail() {
        return this.tracker.total;
    }
    /** Cleared free extents in address order (for maps and tests). */
    clearExtents() {
        return this.tracker.extents();
    }
    resetClear(isClear) {
        requireBoolean('isClear', isClear);
        const pool = this.pool;
        this.tracker.reset();
        // One walk over the block tree in address order: flip every free block, fix its lane.
        const stack = Array.from(this.roots).reverse();
        while (stack.length > 0) {
            const n = stack.pop();
            if (pool.state[n] === SPLIT) {
                stack.push(pool.hi[n], pool.lo[n]);
            }
            else if (pool.state[n] === FREE) {
                pool.clear[n] = isClear ? CLEAR : DIRTY;
                const mark = alignmentMark(pool.key[n]);
                pool.val[n * pool.lanes + UNCLEAR_LANE] = isClear ? 0 : mark;
                pool.setValue(n, CLEAR_LANE, isClear ? mark : 0);
                if (isClear)
                    this.tracker.markClear(pool.key[n], this.bytes[pool.order[n]]);
            }
        }
    }
    // ---- policy ---------------------------------------------------------------------------------
    treeOf(n) {
        return this.pool.order[n];
    }
    initLanes(n, mark) {
        // pool.init() per lane, unrolled: this runs on every link.
        const { val, max } = this.pool;
        const clear = this.pool.clear[n] === CLEAR;
        const i = n * 2;
        val[i + UNCLEAR_LANE] = max[i + UNCLEAR_LANE] = clear ? 0 : mark;
        val[i + CLEAR_LANE] = max[i + CLEAR_LANE] = clear ? mark : 0;
    }
    /**
     * Clear requests: the smallest all-cleared block (like the old clear tree), else steer into a
     * cleared extent inside a partly cleared block, else any block. Dirty requests: the highest
     * block with dirty memory of the smallest order that has one, splitting toward the dirtier
     * half, else any block.
     */
    findFree(k, topDown, clear) {
        if (clear && this.tracker.total > 0) {
            const n = this.search(k, topDown, CLEAR_LANE, 1);
            if (n !== NIL)
                return this.splitDown(n, k, Pick.Right, 0);
            const p = this.tracker.highestPlacement(this.bytes[k]);
            if (p >= 0)
                return this.splitDown(this.blockAt(p), k, Pick.Toward, p);
        }
        if (!clear) {
            const n = this.search(k, topDown, UNCLEAR_LANE, 1);
            if (n !== NIL)
                return this.splitDown(n, k, Pick.AvoidClear, 0);
        }
        const n = this.search(k, topDown, ANY, 1);
        return n === NIL ? NIL : this.splitDown(n, k, clear ? Pick.Right : Pick.AvoidClear, 0);
    }
    findAligned(k, align, _topDown, clear) {
        const a = ilog2(align);
        if (clear && this.tracker.total > 0) {
            let n = this.search(k, false, CLEAR_LANE, a + 1);
            if (n !== NIL)
                return this.splitDown(n, k, Pick.Aligned, align);
            // A whole cleared aligned window of `align` bytes: one O(log E) descent (see ClearTracker).
            const p = this.tracker.highestPlacement(align);
            if (p >= 0)
                return this.splitDown(this.blockAt(p), k, Pick.Toward, p);
        }
        if (!clear) {
            const n = this.search(k, false, UNCLEAR_LANE, a + 1);
            if (n !== NIL)
                return this.splitDown(n, k, Pick.AlignedAvoidClear, align);
        }
        const n = this.search(k, false, ANY, a + 1);
        return n === NIL ? NIL : this.splitDown(n, k, Pick.Aligned, align);
    }
    /**
     * The highest block with a `lane` value >= threshold (ANY: in either lane) of the smallest
     * order >= k that has one, or with topDown the highest over all orders >= k (get_maxblock).
     */
    search(k, topDown, lane, threshold) {
        const pool = this.pool;
        let best = NIL;
        for (let j = k; j <= this.maxOrder; j++) {
            let n;
            if (lane !== ANY) {
                n = this.lastIn(j, lane, threshold);
            }
            else {
                n = this.lastIn(j, UNCLEAR_LANE, threshold);
                const c = this.lastIn(j, CLEAR_LANE, threshold);
                if (n === NIL || (c !== NIL && pool.key[c] > pool.key[n]))
                    n = c;
            }
            if (n === NIL)
                continue;
            if (!topDown)
                return n;
            if (best === NIL || pool.key[n] > pool.key[best])
                best = n;
        }
        return best;
    }
    childClear(parent, offset, k) {
        const state = this.pool.clear[parent];
        if (state !== MIXED)
            return state;
        const size = this.bytes[k];
        return this.tracker.isClear(offset, size) ? CLEAR : this.tracker.hasClear(offset, size) ? MIXED : DIRTY;
    }
    mayMerge() {
        return true;
    }
    onTake(n) {
        const pool = this.pool;
        // A free block's clear state is exact: a dirty one holds nothing the tracker knows about.
        if (pool.clear[n] === DIRTY)
            return;
        // Record the exact state: a rollback or trim restores the clear pieces under it.
        const size = this.bytes[pool.order[n]];
        const was = this.tracker.markDirty(pool.key[n], size, this.clearLog);
        pool.clear[n] = was === size ? CLEAR : was > 0 ? MIXED : DIRTY;
    }
    onFree(n, cleared) {
        if (cleared)
            this.tracker.markClear(this.pool.key[n], this.bytes[this.pool.order[n]]);
    }
    restoreClear(lo, hi) {
        const log = this.clearLog.data;
        for (let i = 0; i < this.clearLog.length; i += 2) {
            const s = Math.max(log[i], lo);
            const e = Math.min(log[i + 1], hi);
            if (s < e)
                this.tracker.markClear(s, e - s);
        }
    }
    onBegin() {
        this.clearLog.clear();
    }
    // ---- check ----------------------------------------------------------------------------------
    checkFree(n, buddyFree) {
        const pool = this.pool;
        const off = pool.key[n];
        const size = this.bytes[pool.order[n]];
        invariant(!buddyFree, `free block ${off} has a free buddy (coalescing is unconditional)`);
        const overlap = this.tracker.overlap(off, size);
        const state = overlap === size ? CLEAR : overlap > 0 ? MIXED : DIRTY;
        invariant(pool.clear[n] === state, `free block ${off}: clear state ${pool.clear[n]} but the tracker says ${state}`);
        const mark = alignmentMark(off);
        invariant(pool.value(n, UNCLEAR_LANE) === (state === CLEAR ? 0 : mark), `free block ${off}: stale unclear lane`);
        invariant(pool.value(n, CLEAR_LANE) === (state === CLEAR ? mark : 0), `free block ${off}: stale clear lane`);
        return overlap;
    }
    checkAllocated(n) {
        const off = this.pool.key[n];
        const overlap = this.tracker.overlap(off, this.bytes[this.pool.order[n]]);
        invariant(overlap === 0, `allocated block ${off} overlaps ${overlap} cleared bytes`);
    }
    checkTotals(inFree) {
        this.tracker.check();
        invariant(inFree === this.tracker.total, `tracker holds ${this.tracker.total} cleared bytes, free blocks ${inFree}`);
    }
}
//# sourceMappingURL=buddy-allocator.js.map