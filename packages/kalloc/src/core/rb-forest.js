import { invariant } from "./errors.js";
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
export const NIL = -1;
const RED = 0;
const BLACK = 1;
/** A node that exists but sits in no tree (an allocated buddy block, say). */
const DETACHED = 2;
/** A node in the pool's free list. */
const UNUSED = 3;
export class RbForest {
    lanes;
    treeCount;
    capacity;
    // Columns, indexed by node (val/max by node * lanes + lane). Public for tight search loops.
    key;
    val;
    max;
    left;
    right;
    parent;
    succ;
    pred;
    color;
    roots;
    first;
    last;
    counts;
    freeHead = NIL;
    used = 0;
    constructor(options = {}) {
        this.treeCount = options.trees ?? 1;
        this.lanes = options.lanes ?? 1;
        this.capacity = Math.max(4, options.capacity ?? 64);
        const n = this.capacity;
        this.key = new Float64Array(n);
        this.val = new Float64Array(n * this.lanes);
        this.max = new Float64Array(n * this.lanes);
        this.left = new Int32Array(n);
        this.right = new Int32Array(n);
        this.parent = new Int32Array(n);
        this.succ = new Int32Array(n);
        this.pred = new Int32Array(n);
        this.color = new Uint8Array(n).fill(UNUSED);
        this.roots = new Int32Array(this.treeCount).fill(NIL);
        this.first = new Int32Array(this.treeCount).fill(NIL);
        this.last = new Int32Array(this.treeCount).fill(NIL);
        this.counts = new Float64Array(this.treeCount);
        this.chainFree(0, n);
    }
    /** Nodes handed out by create() and not yet released. */
    get nodesInUse() {
        return this.used;
    }
    /** Bytes of typed-array metadata held by the pool (for storage reports). */
    get byteLength() {
        return this.capacity * (8 + 16 * this.lanes + 20 + 1);
    }
    // ---- node lifecycle -------------------------------------------------------------------------
    /** A detached node with the given key; lane values start at 0. */
    create(key) {
        if (this.freeHead === NIL)
            this.grow(this.capacity * 2);
        const n = this.freeHead;
        this.freeHead = this.parent[n];
        this.used++;
        this.key[n] = key;
        this.left[n] = NIL;
        this.right[n] = NIL;
        this.parent[n] = NIL;
        this.succ[n] = NIL;
        this.pred[n] = NIL;
        this.color[n] = DETACHED;
        const base = n * this.lanes;
        for (let i = 0; i < this.lanes; i++) {
            this.val[base + i] = 0;
            this.max[base + i] = 0;
        }
        return n;
    }
    /** Returns a detached node to the pool. */
    release(n) {
        this.color[n] = UNUSED;
        this.parent[n] = this.freeHead;
        this.freeHead = n;
        this.used--;
    }
    isLinked(n) {
        return this.color[n] <= BLACK;
    }
    isAllocated(n) {
        return n >= 0 && n < this.capacity && this.color[n] !== UNUSED;
    }
    /** Subclasses with parallel per-node columns override this, call super, then grow theirs. */
    grow(capacity) {
        const old = this.capacity;
        const lanes = this.lanes;
        this.key = resized(this.key, capacity);
        this.val = resized(this.val, capacity * lanes);
        this.max = resized(this.max, capacity * lanes);
        this.left = resized(this.left, capacity);
        this.right = resized(this.right, capacity);
        this.parent = resized(this.parent, capacity);
        this.succ = resized(this.succ, capacity);
        this.pred = resized(this.pred, capacity);
        const color = new Uint8Array(capacity).fill(UNUSED);
        color.set(this.color);
        this.color = color;
        this.capacity = capacity;
        this.chainFree(old, capacity);
    }
    chainFree(from, to) {
        for (let i = to - 1; i >= from; i--) {
            this.parent[i] = this.freeHead;
            this.freeHead = i;
        }
    }
    // ---- values and augmentation ------------------------------------------------------------------
    value(n, lane = 0) {
        return this.val[n * this.lanes + lane];
    }
    subtreeMax(n, lane = 0) {
        return n === NIL ? -Infinity : this.max[n * this.lanes + lane];
    }
    /** Sets a lane value of a detached node (before insert). */
    init(n, lane, value) {
        const i = n * this.lanes + lane;
        this.val[i] = value;
        this.max[i] = value;
    }
    /** Changes a lane value of a linked node and fixes the maxima above it. */
    setValue(n, lane, value) {
        this.val[n * this.lanes + lane] = value;
        this.propagate(n);
    }
    /**
     * Changes a linked node's key in place. The caller guarantees the node keeps its position in
     * key order (vmalloc shrinking a free area from the left, say), so no restructuring is needed.
     */
    setKey(n, key) {
        this.key[n] = key;
    }
    /**
     * Recomputes n's maxima from its value and children; true if any lane changed. One and two
     * lanes (the range allocator, the buddy allocator) take straight-line paths: this runs at every
     * step of every propagation and rotation, where the generic lane loop costs more than the work.
     */
    recompute(n) {
        const lanes = this.lanes;
        if (lanes === 1)
            return this.recompute1(n);
        if (lanes === 2)
            return this.recompute2(n);
        const val = this.val;
        const max = this.max;
        const l = this.left[n];
        const r = this.right[n];
        let changed = false;
        for (let i = 0; i < lanes; i++) {
            let m = val[n * lanes + i];
            if (l !== NIL) {
                const lm = max[l * lanes + i];
                if (lm > m)
                    m = lm;
            }
            if (r !== NIL) {
                const rm = max[r * lanes + i];
                if (rm > m)
                    m = rm;
            }
            if (max[n * lanes + i] !== m) {
                max[n * lanes + i] = m;
                changed = true;
            }
        }
        return changed;
    }
    recompute1(n) {
        const max = this.max;
        const l = this.left[n];
        const r = this.right[n];
        let m = this.val[n];
        if (l !== NIL && max[l] > m)
            m = max[l];
        if (r !== NIL && max[r] > m)
            m = max[r];
        if (max[n] === m)
            return false;
        max[n] = m;
        return true;
    }
    recompute2(n) {
        const max = this.max;
        const val = this.val;
        // Column offsets of the children; a missing child (NIL = -1) gives a negative one.
        const l = this.left[n] * 2;
        const r = this.right[n] * 2;
        const i = n * 2;
        let m0 = val[i];
        let m1 = val[i + 1];
        if (l >= 0) {
            if (max[l] > m0)
                m0 = max[l];
            if (max[l + 1] > m1)
                m1 = max[l + 1];
        }
        if (r >= 0) {
            if (max[r] > m0)
                m0 = max[r];
            if (max[r + 1] > m1)
                m1 = max[r + 1];
        }
        if (max[i] === m0 && max[i + 1] === m1)
            return false;
        max[i] = m0;
        max[i + 1] = m1;
        return true;
    }
    /** Recomputes maxima from n upward, stopping at the first node that did not change. */
    propagate(n) {
        while (n !== NIL && this.recompute(n))
            n = this.parent[n];
    }
    // ---- navigation -----------------------------------------------------------------------------
    root(tree = 0) {
        return this.roots[tree];
    }
    count(tree = 0) {
        return this.counts[tree];
    }
    next(n) {
        return this.succ[n];
    }
    prev(n) {
        return this.pred[n];
    }
    /** The node with exactly this key, or NIL. */
    find(tree, key) {
        let x = this.roots[tree];
        const keys = this.key;
        while (x !== NIL) {
            const k = keys[x];
            if (key === k)
                return x;
            x = key < k ? this.left[x] : this.right[x];
        }
        return NIL;
    }
    /** The node with the largest key <= key, or NIL. */
    floor(tree, key) {
        let x = this.roots[tree];
        let best = NIL;
        const keys = this.key;
        while (x !== NIL) {
            if (keys[x] <= key) {
                best = x;
                x = this.right[x];
            }
            else {
                x = this.left[x];
            }
        }
        return best;
    }
    /** The node with the smallest key >= key, or NIL. */
    ceil(tree, key) {
        let x = this.roots[tree];
        let best = NIL;
        const keys = this.key;
        while (x !== NIL) {
            if (keys[x] >= key) {
                best = x;
                x = this.left[x];
            }
            else {
                x = this.right[x];
            }
        }
        return best;
    }
    /** Nodes of a tree in key order (not for hot paths). */
    *nodes(tree = 0) {
        for (let n = this.first[tree]; n !== NIL; n = this.succ[n])
            yield n;
    }
    // ---- insert ---------------------------------------------------------------------------------
    /** Links a detached node into a tree by its key (equal keys go after existing ones). */
    insert(tree, z) {
        const key = this.key[z];
        // At either end of the order the thread names the parent, no walk down: the last node has
        // no right child, the first no left child. (Frees of the highest block hit this every time.)
        const last = this.last[tree];
        if (last !== NIL && key >= this.key[last])
            return this.link(tree, z, last, false);
        const first = this.first[tree];
        if (first !== NIL && key < this.key[first])
            return this.link(tree, z, first, true);
        let y = NIL;
        let x = this.roots[tree];
        let goLeft = false;
        while (x !== NIL) {
            y = x;
            goLeft = key < this.key[x];
            x = goLeft ? this.left[x] : this.right[x];
        }
        this.link(tree, z, y, goLeft);
    }
    /** Links a detached node as the in-order predecessor of `at` (the caller vouches for key order). */
    insertBefore(tree, z, at) {
        // Without a left subtree, z becomes at's left child; otherwise it goes right of at's in-order
        // predecessor, the rightmost node of that subtree (so it has no right child): the thread
        // names it, no walk down.
        if (this.left[at] === NIL)
            this.link(tree, z, at, true);
        else
            this.link(tree, z, this.pred[at], false);
    }
    link(tree, z, y, asLeft) {
        this.parent[z] = y;
        this.left[z] = NIL;
        this.right[z] = NIL;
        this.color[z] = RED;
        this.recompute(z);
        if (y === NIL) {
            this.roots[tree] = z;
            this.succ[z] = NIL;
            this.pred[z] = NIL;
            this.first[tree] = z;
            this.last[tree] = z;
        }
        else if (asLeft) {
            this.left[y] = z;
            const p = this.pred[y];
            this.succ[z] = y;
            this.pred[z] = p;
            this.pred[y] = z;
            if (p === NIL)
                this.first[tree] = z;
            else
                this.succ[p] = z;
        }
        else {
            this.right[y] = z;
            const s = this.succ[y];
            this.pred[z] = y;
            this.succ[z] = s;
            this.succ[y] = z;
            if (s === NIL)
                this.last[tree] = z;
            else
                this.pred[s] = z;
        }
        this.counts[tree]++;
        this.propagate(y);
        this.insertFixup(tree, z);
    }
    insertFixup(tree, z) {
        const color = this.color;
        const parent = this.parent;
        while (true) {
            const p = parent[z];
            if (p === NIL || color[p] === BLACK)
                break;
            const g = parent[p]; // p is red, so it is not the root
            if (p === this.left[g]) {
                const u = this.right[g];
                if (u !== NIL && color[u] === RED) {
                    //      G            g
                    //     / \          / \
                    //    p   u  -->   P   U    recolour and continue from g
                    //   /            /
                    //  z            z
                    color[p] = BLACK;
                    color[u] = BLACK;
                    color[g] = RED;
                    z = g;
                    continue;
                }
                if (z === this.right[p]) {
                    //    G            G
                    //   / \          / \
                    //  p   U  -->   z   U      rotate z up so that it is a left-left case
                    //   \          /
                    //    z        p
                    this.rotateLeft(tree, p);
                    z = p;
                }
                //        G           P
                //       / \         / \
                //      p   U  -->  z   g
                //     /                 \
                //    z                   U
                const q = parent[z];
                color[q] = BLACK;
                color[g] = RED;
                this.rotateRight(tree, g);
                break;
            }
            else {
                const u = this.left[g];
                if (u !== NIL && color[u] === RED) {
                    color[p] = BLACK;
                    color[u] = BLACK;
                    color[g] = RED;
                    z = g;
                    continue;
                }
                if (z === this.left[p]) {
                    this.rotateRight(tree, p);
                    z = p;
                }
                const q = parent[z];
                color[q] = BLACK;
                color[g] = RED;
                this.rotateLeft(tree, g);
                break;
            }
        }
        color[this.roots[tree]] = BLACK;
    }
    // ---- remove ---------------------------------------------------------------------------------
    /** Unlinks a node from its tree; it stays allocated (detached) for reuse or release(). */
    remove(tree, z) {
        const left = this.left;
        const right = this.right;
        const parent = this.parent;
        const color = this.color;
        const p = this.pred[z];
        const s = this.succ[z];
        if (p === NIL)
            this.first[tree] = s;
        else
            this.succ[p] = s;
        if (s === NIL)
            this.last[tree] = p;
        else
            this.pred[s] = p;
        let removedColor = color[z];
        let x;
        let xParent;
        if (left[z] === NIL || right[z] === NIL) {
            x = left[z] === NIL ? right[z] : left[z];
            xParent = parent[z];
            this.transplant(tree, z, x);
            this.propagate(xParent);
        }
        else {
            // Two children: the successor y (leftmost of the right subtree) takes z's place.
            //
            //      z              y
            //     / \            / \
            //    a   r    -->   a   r
            //       /              /
            //      y              x      (x = y's old right child)
            //       \
            //        x
            const y = s;
            removedColor = color[y];
            x = right[y];
            if (parent[y] === z) {
                xParent = y;
            }
            else {
                xParent = parent[y];
                this.transplant(tree, y, x);
                right[y] = right[z];
                parent[right[y]] = y;
            }
            this.transplant(tree, z, y);
            left[y] = left[z];
            parent[left[y]] = y;
            color[y] = color[z];
            // Every node from y's old parent up to y lost y from its subtree, and y's own spot now
            // holds a different value: recompute all of them, then propagate above with early stop.
            for (let n = xParent; n !== y; n = parent[n])
                this.recompute(n);
            this.recompute(y);
            this.propagate(parent[y]);
        }
        this.counts[tree]--;
        if (removedColor === BLACK)
            this.removeFixup(tree, x, xParent);
        left[z] = NIL;
        right[z] = NIL;
        parent[z] = NIL;
        this.succ[z] = NIL;
        this.pred[z] = NIL;
        color[z] = DETACHED;
    }
    transplant(tree, u, v) {
        const p = this.parent[u];
        if (p === NIL)
            this.roots[tree] = v;
        else if (u === this.left[p])
            this.left[p] = v;
        else
            this.right[p] = v;
        if (v !== NIL)
            this.parent[v] = p;
    }
    isBlack(n) {
        return n === NIL || this.color[n] === BLACK;
    }
    /** x carries an extra black; push it up or resolve it by recolouring and rotations. */
    removeFixup(tree, x, xParent) {
        const color = this.color;
        while (x !== this.roots[tree] && this.isBlack(x)) {
            if (x === this.left[xParent]) {
                let w = this.right[xParent];
                if (color[w] === RED) {
                    // Red sibling: rotate it up so that x gets a black sibling.
                    color[w] = BLACK;
                    color[xParent] = RED;
                    this.rotateLeft(tree, xParent);
                    w = this.right[xParent];
                }
                if (this.isBlack(this.left[w]) && this.isBlack(this.right[w])) {
                    // Black sibling with black children: recolour it red and move the extra black up.
                    color[w] = RED;
                    x = xParent;
                    xParent = this.parent[x];
                }
                else {
                    if (this.isBlack(this.right[w])) {
                        // Near nephew red, far nephew black: rotate the near nephew into the far position.
                        color[this.left[w]] = BLACK;
                        color[w] = RED;
                        this.rotateRight(tree, w);
                        w = this.right[xParent];
                    }
                    // Far nephew red: one rotation at the parent absorbs the extra black.
                    color[w] = color[xParent];
                    color[xParent] = BLACK;
                    color[this.right[w]] = BLACK;
                    this.rotateLeft(tree, xParent);
                    x = this.roots[tree];
                    break;
                }
            }
            else {
                let w = this.left[xParent];
                if (color[w] === RED) {
                    color[w] = BLACK;
                    color[xParent] = RED;
                    this.rotateRight(tree, xParent);
                    w = this.left[xParent];
                }
                if (this.isBlack(this.left[w]) && this.isBlack(this.right[w])) {
                    color[w] = RED;
                    x = xParent;
                    xParent = this.parent[x];
                }
                else {
                    if (this.isBlack(this.left[w])) {
                        color[this.right[w]] = BLACK;
                        color[w] = RED;
                        this.rotateLeft(tree, w);
                        w = this.left[xParent];
                    }
                    color[w] = color[xParent];
                    color[xParent] = BLACK;
                    color[this.left[w]] = BLACK;
                    this.rotateRight(tree, xParent);
                    x = this.roots[tree];
                    break;
                }
            }
        }
        if (x !== NIL)
            color[x] = BLACK;
    }
    // ---- rotations ------------------------------------------------------------------------------
    //     x                y
    //    / \              / \
    //   a   y    -->     x   c      y inherits x's maxima (same subtree); x is recomputed
    //      / \          / \
    //     b   c        a   b
    rotateLeft(tree, x) {
        const y = this.right[x];
        const b = this.left[y];
        this.right[x] = b;
        if (b !== NIL)
            this.parent[b] = x;
        this.replaceChild(tree, x, y);
        this.left[y] = x;
        this.parent[x] = y;
        this.rotateAugment(x, y);
    }
    rotateRight(tree, x) {
        const y = this.left[x];
        const b = this.right[y];
        this.left[x] = b;
        if (b !== NIL)
            this.parent[b] = x;
        this.replaceChild(tree, x, y);
        this.right[y] = x;
        this.parent[x] = y;
        this.rotateAugment(x, y);
    }
    replaceChild(tree, old, y) {
        const p = this.parent[old];
        this.parent[y] = p;
        if (p === NIL)
            this.roots[tree] = y;
        else if (this.left[p] === old)
            this.left[p] = y;
        else
            this.right[p] = y;
    }
    rotateAugment(down, up) {
        const lanes = this.lanes;
        const max = this.max;
        if (lanes === 1) {
            max[up] = max[down];
        }
        else if (lanes === 2) {
            max[up * 2] = max[down * 2];
            max[up * 2 + 1] = max[down * 2 + 1];
        }
        else {
            for (let i = 0; i < lanes; i++)
                max[up * lanes + i] = max[down * lanes + i];
        }
        this.recompute(down);
    }
    // ---- verification ---------------------------------------------------------------------------
    /**
     * Verifies one tree like the kernel's rbtree_test.c: keys in order, no red node with a red
     * child, equal black height on every path, parent links, threading, counts, and every node's
     * maxima equal to max(own value, children's maxima). Throws ECORRUPT naming what broke.
     */
    checkTree(tree = 0, what = 'tree') {
        const root = this.roots[tree];
        invariant(root === NIL || this.parent[root] === NIL, `${what}: root has a parent`);
        invariant(root === NIL || this.color[root] === BLACK, `${what}: root is red`);
        let count = 0;
        let expectedPred = NIL;
        let blackHeight = -1;
        // Iterative in-order walk, tracking each node's black depth.
        const stack = [];
        const depth = [];
        let n = root;
        let d = 0;
        while (n !== NIL || stack.length > 0) {
            while (n !== NIL) {
                invariant(this.color[n] <= BLACK, `${what}: node ${n} is not linked`);
                const nd = d + (this.color[n] === BLACK ? 1 : 0);
                stack.push(n);
                depth.push(nd);
                const l = this.left[n];
                if (l === NIL) {
                    if (blackHeight < 0)
                        blackHeight = nd;
                    invariant(blackHeight === nd, `${what}: black height differs at node ${n}`);
                }
                else {
                    invariant(this.parent[l] === n, `${what}: left child of ${n} has a wrong parent`);
                }
                n = l;
                d = nd;
            }
            n = stack.pop();
            d = depth.pop();
            count++;
            invariant(this.pred[n] === expectedPred, `${what}: pred link of node ${n} is wrong`);
            if (expectedPred !== NIL) {
                invariant(this.succ[expectedPred] === n, `${what}: succ link of ${expectedPred} is wrong`);
                invariant(this.key[expectedPred] <= this.key[n], `${what}: keys out of order at ${n}`);
            }
            else {
                invariant(this.first[tree] === n, `${what}: first is not the smallest node`);
            }
            const l = this.left[n];
            const r = this.right[n];
            if (this.color[n] === RED) {
                invariant(this.isBlack(l) && this.isBlack(r), `${what}: red node ${n} has a red child`);
            }
            for (let i = 0; i < this.lanes; i++) {
                let m = this.val[n * this.lanes + i];
                if (l !== NIL)
                    m = Math.max(m, this.max[l * this.lanes + i]);
                if (r !== NIL)
                    m = Math.max(m, this.max[r * this.lanes + i]);
                invariant(this.max[n * this.lanes + i] === m, `${what}: augmented max of node ${n} lane ${i} is stale`);
            }
            if (r === NIL) {
                if (blackHeight >= 0)
                    invariant(blackHeight === d, `${what}: black height differs at node ${n}`);
            }
            else {
                invariant(this.parent[r] === n, `${what}: right child of ${n} has a wrong parent`);
            }
            expectedPred = n;
            n = r;
        }
        invariant(this.last[tree] === expectedPred, `${what}: last is not the largest node`);
        invariant(this.counts[tree] === count, `${what}: count ${this.counts[tree]} but ${count} nodes linked`);
    }
}
function resized(array, length) {
    const next = new array.constructor(length);
    next.set(array);
    return next;
}
//# sourceMappingURL=rb-forest.js.map