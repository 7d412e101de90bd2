/**
 * Augmented red-black trees over typed arrays: one node pool shared by any number of trees.
 *
 * A node is an int32 index into struct-of-arrays columns; there is no object per node. Each node
 * has a sort key and `lanes` values; each lane is augmented with the largest value in the node's
 * subtree (`max`), which lets a search skip every subtree that cannot hold what it looks for
 * (vmalloc's `subtree_max_size`, gpu_buddy's `subtree_max_alignment`).
 *
 * Nodes are threaded in key order (`succ`/`pred`), so neighbours are O(1). Several trees share
 * the pool so that a node can move between trees without being copied: the buddy allocator keeps
 * one tree per order and its blocks travel between them.
 *
 * Augmentation follows the kernel's rbtree_augmented.h: after a node's value changes, propagate
 * recomputes the maxima upward and stops at the first ancestor whose maxima did not change;
 * rotations copy the old top's maxima to the new top and recompute only the node that went down.
 */
export declare const NIL = -1;
export declare class RbForest {
    readonly lanes: number;
    readonly treeCount: number;
    capacity: number;
    key: Float64Array;
    val: Float64Array;
    max: Float64Array;
    left: Int32Array;
    right: Int32Array;
    parent: Int32Array;
    succ: Int32Array;
    pred: Int32Array;
    color: Uint8Array;
    readonly roots: Int32Array;
    readonly first: Int32Array;
    readonly last: Int32Array;
    readonly counts: Float64Array;
    private freeHead;
    private used;
    constructor(options?: {
        trees?: number;
        lanes?: number;
        capacity?: number;
    });
    /** Nodes handed out by create() and not yet released. */
    get nodesInUse(): number;
    /** Bytes of typed-array metadata held by the pool (for storage reports). */
    get byteLength(): number;
    /** A detached node with the given key; lane values start at 0. */
    create(key: number): number;
    /** Returns a detached node to the pool. */
    release(n: number): void;
    isLinked(n: number): boolean;
    isAllocated(n: number): boolean;
    /** Subclasses with parallel per-node columns override this, call super, then grow theirs. */
    protected grow(capacity: number): void;
    private chainFree;
    value(n: number, lane?: number): number;
    subtreeMax(n: number, lane?: number): number;
    /** Sets a lane value of a detached node (before insert). */
    init(n: number, lane: number, value: number): void;
    /** Changes a lane value of a linked node and fixes the maxima above it. */
    setValue(n: number, lane: number, value: number): void;
    /**
     * Changes a linked node's key in place. The caller guarantees the node keeps its position in
     * key order (vmalloc shrinking a free area from the left, say), so no restructuring is needed.
     */
    setKey(n: number, key: number): void;
    /**
     * Recomputes n's maxima from its value and children; true if any lane changed. One and two
     * lanes (the range allocator, the buddy allocator) take straight-line paths: this runs at every
     * step of every propagation and rotation, where the generic lane loop costs more than the work.
     */
    private recompute;
    private recompute1;
    private recompute2;
    /** Recomputes maxima from n upward, stopping at the first node that did not change. */
    propagate(n: number): void;
    root(tree?: number): number;
    count(tree?: number): number;
    next(n: number): number;
    prev(n: number): number;
    /** The node with exactly this key, or NIL. */
    find(tree: number, key: number): number;
    /** The node with the largest key <= key, or NIL. */
    floor(tree: number, key: number): number;
    /** The node with the smallest key >= key, or NIL. */
    ceil(tree: number, key: number): number;
    /** Nodes of a tree in key order (not for hot paths). */
    nodes(tree?: number): IterableIterator<number>;
    /** Links a detached node into a tree by its key (equal keys go after existing ones). */
    insert(tree: number, z: number): void;
    /** Links a detached node as the in-order predecessor of `at` (the caller vouches for key order). */
    insertBefore(tree: number, z: number, at: number): void;
    private link;
    private insertFixup;
    /** Unlinks a node from its tree; it stays allocated (detached) for reuse or release(). */
    remove(tree: number, z: number): void;
    private transplant;
    private isBlack;
    /** x carries an extra black; push it up or resolve it by recolouring and rotations. */
    private removeFixup;
    private rotateLeft;
    private rotateRight;
    private replaceChild;
    private rotateAugment;
    /**
     * Verifies one tree like the kernel's rbtree_test.c: keys in order, no red node with a red
     * child, equal black height on every path, parent links, threading, counts, and every node's
     * maxima equal to max(own value, children's maxima). Throws ECORRUPT naming what broke.
     */
    checkTree(tree?: number, what?: string): void;
}
