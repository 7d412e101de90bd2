/**
 * A hash map from offsets (integers up to 2^53) to numbers, in two typed arrays: open addressing
 * with linear probing and backward-shift deletion (no tombstones), so lookups stay short after any
 * number of deletes. Allocators use it to find a live allocation by its offset in O(1).
 */
const EMPTY = -1;

export class OffsetMap {
  /** Key and value side by side (slot i at 2i, 2i + 1): a probe touches one cache line. */
  private slots: Float64Array;
  private mask: number;
  private count = 0;
  /** Deletes since the last resize: a shrink waits for eight tables' worth (see delete). */
  private deletes = 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = emptySlots(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }

  private slot(key: number): number {
    // Mix the high and low halves: offsets are often multiples of large powers of two.
    const lo = key >>> 0;
    const hi = key < 0x1_0000_0000 ? 0 : (key / 0x1_0000_0000) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 13;
    return h & this.mask;
  }

  /** The value stored for key, or undefined (always for a negative key: -1 marks empty slots). */
  get(key: number): number | undefined {
    if (!(key >= 0)) return undefined;
    const slots = this.slots;
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = slots[2 * i]!;
      if (k === key) return slots[2 * i + 1]!;
      if (k === EMPTY) return undefined;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  /** Inserts or replaces. */
  set(key: number, value: number): void {
    // At most half full: linear probing's runs grow quickly past that (a miss probes ~2.5 slots
    // at 1/2, ~8.5 at 3/4).
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const slots = this.slots;
    let i = this.slot(key);
    while (slots[2 * i] !== EMPTY && slots[2 * i] !== key) i = (i + 1) & this.mask;
    if (slots[2 * i] === EMPTY) this.count++;
    slots[2 * i] = key;
    slots[2 * i + 1] = value;
  }

  /** Removes key; returns its value, or undefined if absent. */
  delete(key: number): number | undefined {
    if (!(key >= 0)) return undefined;
    const slots = this.slots;
    const mask = this.mask;
    let i = this.slot(key);
    for (; ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === key) break;
      if (k === EMPTY) return undefined;
    }
    const value = slots[2 * i + 1]!;
    // Backward shift: pull later members of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    let hole = i;
    for (let j = (i + 1) & mask; slots[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.slot(slots[2 * j]!);
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        slots[2 * hole] = slots[2 * j]!;
        slots[2 * hole + 1] = slots[2 * j + 1]!;
        hole = j;
      }
    }
    slots[2 * hole] = EMPTY;
    this.count--;
    // Shrink when an eighth full, but only after eight times as many deletes as the table has
    // slots: a map that fills and drains over and over (vmalloc's lazy purge) would otherwise
    // reallocate itself on every cycle, and the garbage collector pays for each new array.
    this.deletes++;
    if (this.mask > 15 && this.count * 8 < this.mask + 1 && this.deletes > 8 * (this.mask + 1)) this.rehash((this.mask + 1) / 2);
    return value;
  }

  clear(): void {
    for (let i = 0; i <= this.mask; i++) this.slots[2 * i] = EMPTY;
    this.count = 0;
  }

  /** All entries (not for hot paths). */
  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i <= this.mask; i++) {
      const k = this.slots[2 * i]!;
      if (k !== EMPTY) yield [k, this.slots[2 * i + 1]!];
    }
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = emptySlots(size);
    this.mask = size - 1;
    this.count = 0;
    this.deletes = 0;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i]!;
      if (k !== EMPTY) this.set(k, old[i + 1]!);
    }
  }
}

function emptySlots(size: number): Float64Array {
  const slots = new Float64Array(2 * size);
  for (let i = 0; i < size; i++) slots[2 * i] = EMPTY;
  return slots;
}
