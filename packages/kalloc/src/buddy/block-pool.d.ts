import { RbForest } from '../core/rb-forest.ts';
/** Block states (the kernel's header bits 11:10). */
export declare const FREE = 1;
export declare const SPLIT = 2;
export declare const ALLOCATED = 3;
/** Clear states of a block. */
export declare const DIRTY = 0;
export declare const CLEAR = 1;
export declare const MIXED = 2;
/**
 * Lanes of the free trees, in both designs: each lane holds ctz(offset) + 1 (offset 0 counting
 * as 64) for the free blocks of its class and 0 for the others, and every free block is in
 * exactly one class. A lane's subtree maximum is gpu_buddy's subtree_max_alignment restricted to
 * that class (+1), and also says whether the subtree holds a block of the class at all (> 0).
 */
export declare function alignmentMark(offset: number): number;
/**
 * The buddy blocks: one RbForest node per block (free, split or allocated), so a free block is
 * linked into a free tree without a separate tree node. The block metadata sits in columns
 * beside the tree columns, indexed by the same node number.
 */
export declare class BlockPool extends RbForest {
    order: Uint8Array;
    state: Uint8Array;
    /**
     * DIRTY, CLEAR (all of it cleared) or MIXED (partly; free blocks of the unified design only).
     * For an allocated block: CLEAR iff all of it was cleared when it was taken.
     */
    clear: Uint8Array;
    up: Int32Array;
    lo: Int32Array;
    hi: Int32Array;
    /** Bumped each time a block stops being allocated; handles carry the value they saw. */
    generation: Uint32Array;
    /** Scratch marks for duplicate detection in free(). */
    stamp: Uint32Array;
    constructor(trees: number, lanes: number, capacity: number);
    protected grow(capacity: number): void;
}
