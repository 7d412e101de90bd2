import { invariant } from '../core/errors.ts';

/** Slots per node: a node's keys are two cache lines, scanned linearly. */
const WIDTH = 16;
/** The fewest slots a node other than the root keeps; below it, it borrows or merges. */
const MIN_FILL = WIDTH / 4;
/** Every node but the root holds >= MIN_FILL slots, so 16 levels hold far more than 2^53 areas. */
const MAX_HEIGHT = 32;
const NIL = -1;

/**
 * The free areas of a range allocator in an augmented B+-tree, keyed by start address, kept in
 * typed arrays (slot i of node n at n * WIDTH + i).
 *
 * A leaf slot is one free area: `key` its start, `size` its length, `align` log2 of the most
 * aligned address inside it (see bestAlignment). A branch slot summarizes one child: `key` the
 * lowest start below it, `size` and `align` the largest below it. A search reads one or two
 * cache lines per level and the tree is 3-5 levels high, where a binary tree is ~2 log2 N.
 *
 *                       [ 0 | 9000 ]  size max 1M, 16K          (branch: child summaries)
 *                       /          \
 *   [0:1K  2000:4K  9000..]    [9000:16K  90000:1M]             (leaves: start:length)
 *
 * No parent pointers and no leaf links: every operation works on a *cursor*, the path of
 * (node, slot) from the root to one leaf slot, filled by a descent (lowestFit, seek). The path
 * gives the neighbours and the ancestors whose summaries an update must fix; the fix climbs the
 * path and stops at the first summary that does not change.
 */
export class AreaTree {
  /** Per slot: area start, or the child's lowest start. */
  key: Float64Array;
  /** Per slot: area length, or the child's largest length. */
  size: Float64Array;
  /** Per slot: the area's best alignment (log2), or the child's largest. */
  align: Uint8Array;
  /** Per branch slot: the child node. A released node links the free list through slot 0. */
  child: Int32Array;
  /** Per node: slots in use. */
  count: Uint8Array;
  root: number;
  /** Levels, the leaves included: 1 while the root is a leaf. */
  height = 1;
  /** Free areas in the tree. */
  areaCount = 0;
  /** Counts node splits, merges, redistributions and root changes: slots moved between nodes. */
  reshapes = 0;
  /** The cursor: pathNode[level], pathSlot[level] from the root (level 0) to a leaf. */
  readonly pathNode = new Int32Array(MAX_HEIGHT);
  readonly pathSlot = new Int32Array(MAX_HEIGHT);
  private nodeCount = 0;
  private freeNode = NIL;
  private releasedCount = 0;

  constructor(capacity = 4) {
    this.key = new Float64Array(capacity * WIDTH);
    this.size = new Float64Array(capacity * WIDTH);
    this.align = new Uint8Array(capacity * WIDTH);
    this.child = new Int32Array(capacity * WIDTH);
    this.count = new Uint8Array(capacity);
    this.root = this.newNode();
  }

  get byteLength(): number {
    return this.key.byteLength + this.size.byteLength + this.align.byteLength + this.child.byteLength + this.count.byteLength;
  }

  /** The slot index (into key/size/align) of the area under the cursor; negative before the first. */
  get cursor(): number {
    const leaf = this.height - 1;
    return this.pathSlot[leaf]! < 0 ? NIL : this.pathNode[leaf]! * WIDTH + this.pathSlot[leaf]!;
  }

  /** The largest free area's length (0 when none). */
  get largest(): number {
    const base = this.root * WIDTH;
    let max = 0;
    for (let i = base, end = base + this.count[this.root]!; i < end; i++) if (this.size[i]! > max) max = this.size[i]!;
    return max;
  }

  /**
   * Puts the cursor on the lowest area in which a block of `size` aligned to `align` (log2
   * `alignLog`) fits at or above vstart, and returns true; false if there is none.
   *
   * Within a node, slots are scanned in address order and a child is entered only if its
   * largest area can hold `size`, some area in it holds an address aligned to `align`, and it
   * does not lie wholly below vstart (the next child starts above vstart). If the child has no
   * fit after all (a straddled vstart, or aligned addresses too close to their areas' ends),
   * the scan resumes in the parent after it: the cost is O((k + 1) log N) for k such misses,
   * and k = 0 when align = 1.
   *
   * With `resume`, the scan starts at the area under the cursor instead of the root, and goes
   * on in address order from there (up the path and right). The caller must know that no area
   * before the cursor fits (see RangeAllocator.alloc's finger).
   */
  lowestFit(size: number, align: number, alignLog: number, vstart: number, resume: boolean): boolean {
    const key = this.key;
    const length = this.size;
    const best = this.align;
    const child = this.child;
    const count = this.count;
    const pathNode = this.pathNode;
    const pathSlot = this.pathSlot;
    const leafLevel = this.height - 1;
    let level = resume ? leafLevel : 0;
    let node = resume ? pathNode[leafLevel]! : this.root;
    let s = resume ? pathSlot[leafLevel]! : 0;
    for (;;) {
      const base = node * WIDTH;
      const n = count[node]!;
      if (level < leafLevel) {
        for (; s < n; s++) {
          const i = base + s;
          if (length[i]! >= size && best[i]! >= alignLog && (s + 1 === n || key[i + 1]! > vstart)) break;
        }
        if (s < n) {
          pathNode[level] = node;
          pathSlot[level] = s;
          node = child[base + s]!;
          level++;
          s = 0;
          continue;
        }
      } else {
        for (; s < n; s++) {
          const i = base + s;
          if (length[i]! < size || best[i]! < alignLog) continue;
          const start = key[i]!;
          const from = start > vstart ? start : vstart;
          // Exact: dividing by a power of two only moves the exponent (and % on doubles is slow).
          const at = Math.ceil(from / align) * align;
          if (size <= start + length[i]! - at) {
            pathNode[level] = node;
            pathSlot[level] = s;
            return true;
          }
        }
      }
      if (level === 0) return false;
      level--;
      node = pathNode[level]!;
      s = pathSlot[level]! + 1;
    }
  }

  /**
   * Puts the cursor on the last area starting at or below `offset`, or (slot -1 of the first
   * leaf) before the first area when there is none.
   */
  seek(offset: number): void {
    const key = this.key;
    const count = this.count;
    const leafLevel = this.height - 1;
    let node = this.root;
    for (let level = 0; level < leafLevel; level++) {
      const base = node * WIDTH;
      const n = count[node]!;
      let s = 1;
      while (s < n && key[base + s]! <= offset) s++;
      this.pathNode[level] = node;
      this.pathSlot[level] = s - 1;
      node = this.child[base + s - 1]!;
    }
    const base = node * WIDTH;
    const n = count[node]!;
    let s = 0;
    while (s < n && key[base + s]! <= offset) s++;
    this.pathNode[leafLevel] = node;
    this.pathSlot[leafLevel] = s - 1;
  }

  /** The slot index of the area after the cursor, or NIL (-1); the cursor stays. */
  nextArea(): number {
    const leafLevel = this.height - 1;
    const leaf = this.pathNode[leafLevel]!;
    const s = this.pathSlot[leafLevel]! + 1;
    if (s < this.count[leaf]!) return leaf * WIDTH + s;
    // The first area of the next leaf: up to the first ancestor with a slot on the right, then
    // down its leftmost path.
    let level = leafLevel - 1;
    while (level >= 0 && this.pathSlot[level]! + 1 >= this.count[this.pathNode[level]!]!) level--;
    if (level < 0) return NIL;
    let node = this.child[this.pathNode[level]! * WIDTH + this.pathSlot[level]! + 1]!;
    for (level++; level < leafLevel; level++) node = this.child[node * WIDTH]!;
    return node * WIDTH;
  }

  /** Moves the cursor to the next area (there must be one). */
  stepNext(): void {
    const leafLevel = this.height - 1;
    if (this.pathSlot[leafLevel]! + 1 < this.count[this.pathNode[leafLevel]!]!) {
      this.pathSlot[leafLevel]!++;
      return;
    }
    let level = leafLevel - 1;
    while (this.pathSlot[level]! + 1 >= this.count[this.pathNode[level]!]!) level--;
    this.pathSlot[level]!++;
    let node = this.child[this.pathNode[level]! * WIDTH + this.pathSlot[level]!]!;
    for (level++; level <= leafLevel; level++) {
      this.pathNode[level] = node;
      this.pathSlot[level] = 0;
      node = this.child[node * WIDTH]!;
    }
  }

  /** Makes the area under the cursor [start, start + length); it must keep its place in address order. */
  replace(start: number, length: number): void {
    const i = this.cursor;
    const oldSize = this.size[i]!;
    const oldAlign = this.align[i]!;
    const align = bestAlignment(start, start + length);
    this.key[i] = start;
    this.size[i] = length;
    this.align[i] = align;
    this.update(this.height - 1, oldSize, oldAlign, length, align);
  }

  /**
   * Shrinks the area under the cursor to [start, start + length) and adds [nextStart,
   * nextStart + nextLength) right after it (a block carved out of the middle).
   */
  split(start: number, length: number, nextStart: number, nextLength: number): void {
    const i = this.cursor;
    const was = this.size[i]!;
    const wasAlign = this.align[i]!;
    const align = bestAlignment(start, start + length);
    const nextAlign = bestAlignment(nextStart, nextStart + nextLength);
    this.key[i] = start;
    this.size[i] = length;
    this.align[i] = align;
    this.areaCount++;
    const leafLevel = this.height - 1;
    const now = length > nextLength ? length : nextLength;
    const nowAlign = align > nextAlign ? align : nextAlign;
    this.insertSlot(leafLevel, this.pathSlot[leafLevel]! + 1, nextStart, nextLength, nextAlign, NIL, was, wasAlign, now, nowAlign);
  }

  /** Adds the area [start, start + length) right after the cursor; the cursor is spent. */
  insertAfter(start: number, length: number): void {
    this.areaCount++;
    const leafLevel = this.height - 1;
    const align = bestAlignment(start, start + length);
    this.insertSlot(leafLevel, this.pathSlot[leafLevel]! + 1, start, length, align, NIL, 0, 0, length, align);
  }

  /** Removes the area under the cursor; the cursor is spent. */
  remove(): void {
    this.areaCount--;
    const leafLevel = this.height - 1;
    const i = this.cursor;
    this.removeSlot(leafLevel, this.pathSlot[leafLevel]!, this.size[i]!, this.align[i]!);
  }

  /** Slot indexes of every area, in address order (not for hot paths). */
  *areas(node = this.root, level = 0): IterableIterator<number> {
    const base = node * WIDTH;
    for (let s = 0; s < this.count[node]!; s++) {
      if (level === this.height - 1) yield base + s;
      else yield* this.areas(this.child[base + s]!, level + 1);
    }
  }

  /**
   * Throws ECORRUPT unless: every leaf is at the same depth; every node but the root holds
   * MIN_FILL..WIDTH slots (a branch root at least 2); areas are non-empty, ascending and
   * disjoint, each with its best alignment; every branch slot equals its child's summary; and
   * the node pool accounts for every node.
   */
  check(what: string): void {
    let areas = 0;
    let lastEnd = -1;
    let nodes = 0;
    const visit = (node: number, level: number): void => {
      nodes++;
      const base = node * WIDTH;
      const n = this.count[node]!;
      const least = node !== this.root ? MIN_FILL : level < this.height - 1 ? 2 : 0;
      invariant(n >= least && n <= WIDTH, () => `${what}: node ${node} at level ${level} holds ${n} slots (${least}..${WIDTH})`);
      for (let s = 0; s < n; s++) {
        const i = base + s;
        if (level === this.height - 1) {
          const start = this.key[i]!;
          const end = start + this.size[i]!;
          invariant(end > start && start >= lastEnd, () => `${what}: area [${start}, ${end}) is empty or not after the previous one (ending at ${lastEnd})`);
          invariant(this.align[i] === bestAlignment(start, end), () => `${what}: area [${start}, ${end}) has alignment ${this.align[i]}, expected ${bestAlignment(start, end)}`);
          lastEnd = end;
          areas++;
          continue;
        }
        const c = this.child[i]!;
        invariant(c >= 0 && c < this.nodeCount, () => `${what}: node ${node} slot ${s} links node ${c}, outside the pool`);
        const cn = this.count[c]!;
        this.summarize(c);
        invariant(
          cn > 0 && this.key[i] === this.key[c * WIDTH] && this.size[i] === this.sumSize && this.align[i] === this.sumAlign,
          () => `${what}: node ${node} slot ${s} summarizes its child as (${this.key[i]}, ${this.size[i]}, ${this.align[i]}), expected (${this.key[c * WIDTH]}, ${this.sumSize}, ${this.sumAlign})`,
        );
        visit(c, level + 1);
      }
    };
    visit(this.root, 0);
    invariant(areas === this.areaCount, () => `${what}: ${areas} areas in the tree, areaCount says ${this.areaCount}`);
    let released = 0;
    for (let n = this.freeNode; n !== NIL && released <= this.nodeCount; n = this.child[n * WIDTH]!) released++;
    invariant(released === this.releasedCount && nodes + released === this.nodeCount, () => `${what}: ${nodes} nodes in the tree and ${released} released (${this.releasedCount} counted), ${this.nodeCount} in the pool`);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The summary of one node, written by summarize(). */
  private sumSize = 0;
  private sumAlign = 0;

  private summarize(node: number): void {
    this.sumSize = largestSize(this.size, node * WIDTH, this.count[node]!);
    this.sumAlign = largestAlign(this.align, node * WIDTH, this.count[node]!);
  }

  /** Writes node's summary into slot i of its parent. */
  private describe(i: number, node: number): void {
    this.summarize(node);
    this.key[i] = this.key[node * WIDTH]!;
    this.size[i] = this.sumSize;
    this.align[i] = this.sumAlign;
    this.child[i] = node;
  }

  /**
   * A slot of the path's node at `level` changed from (oldSize, oldAlign) to (newSize, newAlign)
   * (0, 0 for a slot added or removed): fixes the summaries above it, and stops at the first
   * that does not change. A node is rescanned only when the slot held its maximum and shrank.
   */
  private update(level: number, oldSize: number, oldAlign: number, newSize: number, newAlign: number): void {
    const { key, size, align, pathNode, pathSlot } = this;
    for (let l = level; l > 0; l--) {
      const node = pathNode[l]!;
      const p = pathNode[l - 1]! * WIDTH + pathSlot[l - 1]!;
      const maxSize = size[p]!;
      const maxAlign = align[p]!;
      const nextSize = newSize >= maxSize ? newSize : oldSize < maxSize ? maxSize : largestSize(size, node * WIDTH, this.count[node]!);
      const nextAlign = newAlign >= maxAlign ? newAlign : oldAlign < maxAlign ? maxAlign : largestAlign(align, node * WIDTH, this.count[node]!);
      const first = key[node * WIDTH]!;
      if (key[p] === first && maxSize === nextSize && maxAlign === nextAlign) return;
      key[p] = first;
      size[p] = nextSize;
      align[p] = nextAlign;
      oldSize = maxSize;
      oldAlign = maxAlign;
      newSize = nextSize;
      newAlign = nextAlign;
    }
  }

  /** The path's node at `level` changed in more than one slot: fixes the summaries above it. */
  private refresh(level: number): void {
    if (level === 0) return;
    const p = this.pathNode[level - 1]! * WIDTH + this.pathSlot[level - 1]!;
    const oldSize = this.size[p]!;
    const oldAlign = this.align[p]!;
    this.describe(p, this.pathNode[level]!);
    this.update(level - 1, oldSize, oldAlign, this.size[p]!, this.align[p]!);
  }

  /**
   * Inserts a slot at position `at` of the path's node at `level`. A full node splits in two
   * halves, the right one inserted into the parent after it (a full root grows a new root).
   * Below the node's parent the areas changed as one slot from (was, wasAlign) to (now,
   * nowAlign): that is the change the summaries above must take (see update).
   */
  private insertSlot(level: number, at: number, key: number, size: number, align: number, child: number, was: number, wasAlign: number, now: number, nowAlign: number): void {
    const node = this.pathNode[level]!;
    const n = this.count[node]!;
    const leaf = level === this.height - 1;
    if (n < WIDTH) {
      this.shift(node * WIDTH + at, node * WIDTH + n, 1, leaf);
      this.write(node * WIDTH + at, key, size, align, child);
      this.count[node] = n + 1;
      this.update(level, was, wasAlign, now, nowAlign);
      return;
    }
    this.reshapes++;
    const right = this.newNode();
    const half = WIDTH / 2;
    this.move(node * WIDTH + half, right * WIDTH, WIDTH - half, leaf);
    this.count[node] = half;
    this.count[right] = WIDTH - half;
    const into = at <= half ? node : right;
    const pos = into * WIDTH + (at <= half ? at : at - half);
    this.shift(pos, into * WIDTH + this.count[into]!, 1, leaf);
    this.write(pos, key, size, align, child);
    this.count[into] = this.count[into]! + 1;
    if (level === 0) {
      const root = this.newNode();
      this.describe(root * WIDTH, node);
      this.describe(root * WIDTH + 1, right);
      this.count[root] = 2;
      this.root = root;
      this.height++;
      return;
    }
    const parentSlot = this.pathNode[level - 1]! * WIDTH + this.pathSlot[level - 1]!;
    this.describe(parentSlot, node);
    this.summarize(right);
    this.insertSlot(level - 1, this.pathSlot[level - 1]! + 1, this.key[right * WIDTH]!, this.sumSize, this.sumAlign, right, was, wasAlign, now, nowAlign);
  }

  /**
   * Removes slot `at` of the path's node at `level`. A node left below MIN_FILL merges with a
   * sibling when both fit in one node (removing a slot from the parent in turn), else takes
   * slots from it so that both hold about half; a branch root left with one child hands over
   * to it. Below the node's parent the areas lost one of (was, wasAlign): the change the
   * summaries above must take.
   */
  private removeSlot(level: number, at: number, was: number, wasAlign: number): void {
    const node = this.pathNode[level]!;
    const n = this.count[node]! - 1;
    const leaf = level === this.height - 1;
    this.shift(node * WIDTH + at + 1, node * WIDTH + n + 1, -1, leaf);
    this.count[node] = n;
    if (level === 0) {
      if (this.height > 1 && n === 1) {
        this.reshapes++;
        this.root = this.child[node * WIDTH]!;
        this.height--;
        this.release(node);
      }
      return;
    }
    if (n >= MIN_FILL) {
      this.update(level, was, wasAlign, 0, 0);
      return;
    }
    this.reshapes++;
    const parent = this.pathNode[level - 1]!;
    const ps = this.pathSlot[level - 1]!;
    const li = ps + 1 < this.count[parent]! ? ps : ps - 1;
    const pl = parent * WIDTH + li;
    const left = this.child[pl]!;
    const right = this.child[pl + 1]!;
    const nl = this.count[left]!;
    const nr = this.count[right]!;
    if (nl + nr <= WIDTH) {
      this.move(right * WIDTH, left * WIDTH + nl, nr, leaf);
      this.count[left] = nl + nr;
      this.release(right);
      this.describe(pl, left);
      this.removeSlot(level - 1, li + 1, was, wasAlign);
      return;
    }
    const want = (nl + nr) >> 1;
    if (nl < want) {
      // The right node's first slots move to the end of the left one.
      this.move(right * WIDTH, left * WIDTH + nl, want - nl, leaf);
      this.shift(right * WIDTH + want - nl, right * WIDTH + nr, -(want - nl), leaf);
    } else {
      // The left node's last slots move to the front of the right one.
      this.shift(right * WIDTH, right * WIDTH + nr, nl - want, leaf);
      this.move(left * WIDTH + want, right * WIDTH, nl - want, leaf);
    }
    this.count[left] = want;
    this.count[right] = nl + nr - want;
    this.describe(pl, left);
    this.describe(pl + 1, right);
    this.refresh(level - 1);
  }

  private write(i: number, key: number, size: number, align: number, child: number): void {
    this.key[i] = key;
    this.size[i] = size;
    this.align[i] = align;
    this.child[i] = child;
  }

  /**
   * Moves slots [from, to) by `by` places within one node (a loop: copyWithin costs more on a
   * few slots); leaf slots have no child to move.
   */
  private shift(from: number, to: number, by: number, leaf: boolean): void {
    const { key, size, align, child } = this;
    if (by > 0) {
      for (let i = to - 1; i >= from; i--) {
        key[i + by] = key[i]!;
        size[i + by] = size[i]!;
        align[i + by] = align[i]!;
        if (!leaf) child[i + by] = child[i]!;
      }
    } else {
      for (let i = from; i < to; i++) {
        key[i + by] = key[i]!;
        size[i + by] = size[i]!;
        align[i + by] = align[i]!;
        if (!leaf) child[i + by] = child[i]!;
      }
    }
  }

  /** Copies `n` slots from `from` to `to` (different nodes). */
  private move(from: number, to: number, n: number, leaf: boolean): void {
    this.shift(from, from + n, to - from, leaf);
  }

  private newNode(): number {
    let node = this.freeNode;
    if (node !== NIL) {
      this.freeNode = this.child[node * WIDTH]!;
      this.releasedCount--;
    } else {
      if (this.nodeCount === this.count.length) this.grow();
      node = this.nodeCount++;
    }
    this.count[node] = 0;
    return node;
  }

  private release(node: number): void {
    this.child[node * WIDTH] = this.freeNode;
    this.freeNode = node;
    this.releasedCount++;
  }

  private grow(): void {
    const capacity = this.count.length * 2;
    const widen = <T extends Float64Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T, n: number): T => {
      const next = make(n);
      next.set(old);
      return next;
    };
    this.key = widen(this.key, (n) => new Float64Array(n), capacity * WIDTH);
    this.size = widen(this.size, (n) => new Float64Array(n), capacity * WIDTH);
    this.align = widen(this.align, (n) => new Uint8Array(n), capacity * WIDTH);
    this.child = widen(this.child, (n) => new Int32Array(n), capacity * WIDTH);
    this.count = widen(this.count, (n) => new Uint8Array(n), capacity);
  }
}

/** The largest of size[base .. base + n) (0 when n = 0). Two functions, one per array type, keep each call site monomorphic. */
function largestSize(size: Float64Array, base: number, n: number): number {
  let max = 0;
  for (let i = base, end = base + n; i < end; i++) if (size[i]! > max) max = size[i]!;
  return max;
}

/** The largest of align[base .. base + n) (0 when n = 0). */
function largestAlign(align: Uint8Array, base: number, n: number): number {
  let max = 0;
  for (let i = base, end = base + n; i < end; i++) if (align[i]! > max) max = align[i]!;
  return max;
}

const TWO32 = 0x1_0000_0000;

/**
 * log2 of the most aligned address in [start, end), 64 for address 0 (aligned to everything, as
 * gpu_buddy counts offset 0). It is the highest bit in which start - 1 and end - 1 differ:
 * end - 1 with the bits below that one cleared lies in the area, and no multiple of twice that
 * alignment does. An aligned block can fit in an area only if this is >= log2(align).
 */
export function bestAlignment(start: number, end: number): number {
  if (start === 0) return 64;
  const a = start - 1;
  const b = end - 1;
  if (b < TWO32) return 31 - Math.clz32(a ^ b);
  const high = Math.floor(a / TWO32) ^ Math.floor(b / TWO32);
  return high !== 0 ? 63 - Math.clz32(high) : 31 - Math.clz32((a ^ b) >>> 0);
}
