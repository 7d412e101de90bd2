/**
 * A single-producer single-consumer ring of non-negative Int32 values (heap offsets) in a
 * SharedArrayBuffer, for handing allocations from one worker to another.
 *
 *   words: [head] pad [tail] pad [closed, sleep flags] pad [slot 0 .. capacity-1]
 *
 * The producer writes a slot with a plain store, then publishes it with Atomics.store(tail); the
 * consumer reads tail with Atomics.load before reading the slot, so it sees the value (the
 * seq-cst store/load pair orders the plain accesses). Symmetrically for head and slot reuse.
 */
const HEAD = 0;
const TAIL = 16;
const CLOSED = 32;
const PRODUCER_SLEEPS = 33;
const CONSUMER_SLEEPS = 34;
const SLOTS = 48;
/** Failed attempts before a blocking push/pop sleeps (so a descheduled peer gets the core). */
const SPINS = 200;

export class OffsetRing {
  readonly capacity: number;
  private readonly words: Int32Array;

  static bytes(capacity: number): number {
    return (SLOTS + capacity) * 4;
  }

  /** A view over `buffer` at `byteOffset`, holding `capacity` values (a fresh buffer is empty). */
  constructor(buffer: SharedArrayBuffer, capacity: number, byteOffset = 0) {
    this.capacity = capacity;
    this.words = new Int32Array(buffer, byteOffset, SLOTS + capacity);
  }

  tryPush(value: number): boolean {
    const w = this.words;
    const tail = w[TAIL]!; // only the producer writes tail
    if (tail - Atomics.load(w, HEAD) === this.capacity) return false;
    w[SLOTS + (tail % this.capacity)] = value;
    Atomics.store(w, TAIL, tail + 1);
    if (Atomics.load(w, CONSUMER_SLEEPS) !== 0) Atomics.notify(w, TAIL);
    return true;
  }

  /**
   * Pushes, waiting while the ring is full: spin a little, then sleep until the consumer pops.
   * No lost wake-up: we raise our flag before re-checking, and the consumer checks the flag after
   * moving head, so either we see its move or it sees our flag (and a notify that comes first
   * makes our wait return at once, since head no longer has the value we wait on).
   */
  push(value: number): void {
    const w = this.words;
    for (let spins = 0; !this.tryPush(value); spins++) {
      if (spins < SPINS) continue;
      const head = Atomics.load(w, HEAD);
      Atomics.store(w, PRODUCER_SLEEPS, 1);
      if (w[TAIL]! - head === this.capacity) Atomics.wait(w, HEAD, head, 10);
      Atomics.store(w, PRODUCER_SLEEPS, 0);
    }
  }

  /** The oldest value, or -1 when the ring is empty. */
  tryPop(): number {
    const w = this.words;
    const head = w[HEAD]!; // only the consumer writes head
    if (head === Atomics.load(w, TAIL)) return -1;
    const value = w[SLOTS + (head % this.capacity)]!;
    Atomics.store(w, HEAD, head + 1);
    if (Atomics.load(w, PRODUCER_SLEEPS) !== 0) Atomics.notify(w, HEAD);
    return value;
  }

  /** Pops, waiting while the ring is empty; -1 once it is closed and drained. */
  pop(): number {
    const w = this.words;
    for (let spins = 0; ; spins++) {
      const value = this.tryPop();
      if (value >= 0) return value;
      if (this.drained()) return -1;
      if (spins < SPINS) continue;
      const tail = Atomics.load(w, TAIL);
      Atomics.store(w, CONSUMER_SLEEPS, 1);
      if (Atomics.load(w, HEAD) === tail && Atomics.load(w, CLOSED) === 0) Atomics.wait(w, TAIL, tail, 10);
      Atomics.store(w, CONSUMER_SLEEPS, 0);
    }
  }

  /** The producer is done: nothing more will be pushed. */
  close(): void {
    Atomics.store(this.words, CLOSED, 1);
    Atomics.notify(this.words, TAIL);
  }

  /** True once the producer has closed the ring and everything in it was popped. */
  drained(): boolean {
    return Atomics.load(this.words, CLOSED) === 1 && Atomics.load(this.words, HEAD) === Atomics.load(this.words, TAIL);
  }
}
