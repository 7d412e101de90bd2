import { ctz } from '../core/bits.ts';
import { RbForest } from '../core/rb-forest.ts';

/** Block states (the kernel's header bits 11:10). */
export const FREE = 1;
export const SPLIT = 2;
export const ALLOCATED = 3;

/** Clear states of a block. */
export const DIRTY = 0;
export const CLEAR = 1;
export const MIXED = 2;

/**
 * The one lane of the free trees, in both designs: ctz(offset) + 1 for every free block (offset 0
 * counting as 64). Its subtree maximum is gpu_buddy's subtree_max_alignment (+1) over the tree,
 * and each tree holds one class of block (all cleared, or not), so a class needs no lane of its own.
 */
export function alignmentMark(offset: number): number {
  // Offsets below 2^31 (every block of a space up to 2 GiB, and most of any space) take the
  // int32 path; ctz() reduces modulo 2^32, a floating-point remainder, for the general case.
  if (offset > 0 && offset < 0x80000000) return 32 - Math.clz32(offset & -offset);
  return ctz(offset) + 1;
}

/**
 * The buddy blocks: one RbForest node per block (free, split or allocated), so a free block is
 * linked into a free tree without a separate tree node. The block metadata sits in columns
 * beside the tree columns, indexed by the same node number.
 */
export class BlockPool extends RbForest {
  order: Uint8Array;
  state: Uint8Array;
  /**
   * DIRTY, CLEAR (all of it cleared) or MIXED (partly; free blocks of the unified design only).
   * For an allocated block: CLEAR iff all of it was cleared when it was taken.
   */
  clear: Uint8Array;
  up: Int32Array; // parent block
  lo: Int32Array; // left child (split blocks)
  hi: Int32Array; // right child
  /** Bumped each time a block stops being allocated; handles carry the value they saw. */
  generation: Uint32Array;
  /** Scratch marks for duplicate detection in free(). */
  stamp: Uint32Array;

  constructor(trees: number, lanes: number, capacity: number) {
    super({ trees, lanes, capacity });
    const n = this.capacity;
    this.order = new Uint8Array(n);
    this.state = new Uint8Array(n);
    this.clear = new Uint8Array(n);
    this.up = new Int32Array(n);
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.generation = new Uint32Array(n);
    this.stamp = new Uint32Array(n);
  }

  protected override grow(capacity: number): void {
    super.grow(capacity);
    this.order = grown(this.order, capacity);
    this.state = grown(this.state, capacity);
    this.clear = grown(this.clear, capacity);
    this.up = grown(this.up, capacity);
    this.lo = grown(this.lo, capacity);
    this.hi = grown(this.hi, capacity);
    this.generation = grown(this.generation, capacity);
    this.stamp = grown(this.stamp, capacity);
  }
}

function grown<T extends Uint8Array | Int32Array | Uint32Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}
