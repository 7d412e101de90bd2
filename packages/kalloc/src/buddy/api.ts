/** Public types of the buddy allocators (both designs share them). */

/** One allocated block: a naturally aligned power-of-two range [offset, offset + size). */
export interface BuddyBlock {
  readonly offset: number;
  readonly size: number;
  readonly order: number;
  /** True iff the allocation asked for cleared memory and all of this block was cleared. */
  readonly clear: boolean;
}

export interface BuddyAllocatorOptions {
  /** Bytes to manage (rounded down to chunkSize); at most 2^53. */
  size: number;
  /** The order-0 block size: a power of two >= 4096 (default 4096). */
  chunkSize?: number;
}

export interface BuddyAllocOptions {
  /** Restrict the allocation to [start, end). start + size === end places it exactly there. */
  start?: number;
  end?: number;
  /** Every block is at least this big and aligned to it (power of two >= chunkSize). */
  minBlockSize?: number;
  /** One contiguous range; a non-power-of-two size is rounded up and trimmed back. */
  contiguous?: boolean;
  /** Prefer the highest addresses. */
  topDown?: boolean;
  /** Prefer cleared (zeroed) memory, falling back to dirty memory. */
  clear?: boolean;
  /** Default true: give back the rounding; false keeps the rounded-up power-of-two blocks. */
  trim?: boolean;
}

export interface BuddyFreeOptions {
  /** The memory was zeroed by the caller: track it as cleared. */
  cleared?: boolean;
}

export interface BuddyOrderStats {
  order: number;
  blocks: number;
  bytes: number;
}

/** Like gpu_buddy_print: a summary, then free blocks per order from the largest order down. */
export interface BuddyStats {
  size: number;
  chunkSize: number;
  avail: number;
  clearAvail: number;
  orders: BuddyOrderStats[];
}

/**
 * The block object handed to users. It names its node and the node's generation at the time of
 * allocation, so a stale copy (freed or trimmed since) or one of another allocator is detected.
 */
export class BlockHandle implements BuddyBlock {
  // `declare`d and assigned in the constructor: one is made per allocated block, and class fields
  // (ES2022) would first define each as undefined in an initializer, then store it.
  declare readonly owner: object;
  declare readonly node: number;
  declare readonly generation: number;
  declare readonly offset: number;
  declare readonly size: number;
  declare readonly order: number;
  declare readonly clear: boolean;

  constructor(owner: object, node: number, generation: number, offset: number, size: number, order: number, clear: boolean) {
    const self = this as { -readonly [K in keyof BlockHandle]: BlockHandle[K] };
    self.owner = owner;
    self.node = node;
    self.generation = generation;
    self.offset = offset;
    self.size = size;
    self.order = order;
    self.clear = clear;
  }

  toJSON(): { offset: number; size: number; order: number; clear: boolean } {
    return { offset: this.offset, size: this.size, order: this.order, clear: this.clear };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }
}
