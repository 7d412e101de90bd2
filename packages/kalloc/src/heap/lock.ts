/**
 * A mutex in one Int32 word of a SharedArrayBuffer, usable from every thread (Drepper's
 * "futexes are tricky", mutex #3), whose word also names its holder:
 *
 *   0 unlocked        (holder + 1) << 1 | sleepers       sleepers: 1 when someone may sleep
 *
 * lock(): one compareExchange 0 -> mine when free; else spin a bounded number of reads (the
 * holder is usually done within a microsecond; Node 20 has no Atomics.pause), then set the
 * sleepers bit and sleep on the word with Atomics.wait until an unlock notifies. A thread that
 * had to sleep takes the lock with the sleepers bit set, so its own unlock wakes the next one.
 * unlock(): exchange to 0 and notify one sleeper only if the bit was set, so the uncontended path
 * is two atomic instructions in total.
 *
 * Because the word names its holder, a thread that knows the holder is dead (SharedHeap.reclaim
 * of a terminated worker) can take the lock over from it (takeOver) instead of waiting forever.
 * Sleeps are bounded (WAIT_MS) for the same reason: a notified sleeper may die before it runs.
 *
 * Memory ordering: every Atomics operation is sequentially consistent. Plain writes made while
 * holding the lock happen before the unlocking exchange, which is seen by the next locking
 * compareExchange, so the next holder sees all of them with plain reads. That is why everything
 * the lock protects (the page buddy, parked and orphaned blocks) is read and written plainly.
 *
 * The lock is never held across user code: SharedHeap takes it inside one call and releases it
 * before returning or throwing.
 */
const SPINS = 100;
/**
 * A sleeper wakes up by itself after this long and looks again: a waiter that was woken and then
 * terminated before taking the lock swallowed the one notify, and the others must not sleep on.
 */
const WAIT_MS = 20;

const wordOf = (holder: number): number => (holder + 1) << 1;

/** Takes the lock for `holder` (a worker id); returns true when it had to wait. */
export function lock(words: Int32Array, at: number, holder: number): boolean {
  const mine = wordOf(holder);
  if (Atomics.compareExchange(words, at, 0, mine) === 0) return false;
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(words, at) === 0 && Atomics.compareExchange(words, at, 0, mine) === 0) return true;
  }
  for (;;) {
    const v = Atomics.load(words, at);
    if (v === 0) {
      // Another sleeper may exist: take the lock with the bit so our unlock notifies.
      if (Atomics.compareExchange(words, at, 0, mine | 1) === 0) return true;
    } else if ((v & 1) === 1 || Atomics.compareExchange(words, at, v, v | 1) === v) {
      Atomics.wait(words, at, v | 1, WAIT_MS);
    }
  }
}

export function unlock(words: Int32Array, at: number): void {
  if ((Atomics.exchange(words, at, 0) & 1) === 1) Atomics.notify(words, at, 1);
}

/** The worker id holding the lock, or -1 when it is free. */
export function holderOf(words: Int32Array, at: number): number {
  const v = Atomics.load(words, at);
  return v === 0 ? -1 : (v >> 1) - 1;
}

/**
 * Takes over the lock from `dead`, which must not be running any more; true when `dead` held it
 * (the caller now holds it, and must repair what `dead` left half done before unlocking).
 */
export function takeOver(words: Int32Array, at: number, dead: number, holder: number): boolean {
  for (;;) {
    const v = Atomics.load(words, at);
    if (v === 0 || (v >> 1) - 1 !== dead) return false;
    // Only a sleeper setting its bit can change the word meanwhile: then read it again.
    if (Atomics.compareExchange(words, at, v, wordOf(holder) | (v & 1)) === v) return true;
  }
}
