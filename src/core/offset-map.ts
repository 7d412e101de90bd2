/**
 * A hash map from offsets (integers up to 2^53) to numbers, in two typed arrays: open addressing
 * with linear probing and backward-shift deletion (no tombstones), so lookups stay short after any
 * number of deletes. Allocators use it to find a live allocation by its offset in O(1).
 */
const EMPTY = -1;

export class OffsetMap {
  private keys: Float64Array;
  private values: Float64Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.values = new Float64Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  private slot(key: number): number {
    // Mix the high and low halves: offsets are often multiples of large powers of two.
    const lo = key >>> 0;
    const hi = (key / 0x1_0000_0000) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 13;
    return h & this.mask;
  }

  /** The value stored for key, or undefined. */
  get(key: number): number | undefined {
    const keys = this.keys;
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) return this.values[i]!;
      if (k === EMPTY) return undefined;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  /** Inserts or replaces. */
  set(key: number, value: number): void {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.rehash((this.mask + 1) * 2);
    const keys = this.keys;
    let i = this.slot(key);
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & this.mask;
    if (keys[i] === EMPTY) this.count++;
    keys[i] = key;
    this.values[i] = value;
  }

  /** Removes key; returns its value, or undefined if absent. */
  delete(key: number): number | undefined {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = this.slot(key);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) break;
      if (k === EMPTY) return undefined;
    }
    const value = values[i]!;
    // Backward shift: pull later members of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.slot(keys[j]!);
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        keys[hole] = keys[j]!;
        values[hole] = values[j]!;
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    this.count--;
    if (this.mask > 15 && this.count * 8 < this.mask + 1) this.rehash((this.mask + 1) / 2);
    return value;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.count = 0;
  }

  /** All entries (not for hot paths). */
  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i <= this.mask; i++) {
      const k = this.keys[i]!;
      if (k !== EMPTY) yield [k, this.values[i]!];
    }
  }

  private rehash(size: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.values = new Float64Array(size);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== EMPTY) this.set(k, oldValues[i]!);
    }
  }
}
