/**
 * A mutex in one Int32 word of a SharedArrayBuffer, usable from every thread (Drepper's
 * "futexes are tricky", mutex #3):
 *
 *   0 unlocked    1 locked, nobody sleeps    2 locked, someone may sleep in Atomics.wait
 *
 * lock(): one compareExchange 0 -> 1 when free; else spin a bounded number of reads (the holder
 * is usually done within a microsecond; Node 20 has no Atomics.pause), then mark the word 2 and
 * sleep on it with Atomics.wait until an unlock notifies. unlock(): exchange to 0 and notify one
 * sleeper only if the word was 2, so the uncontended path is two atomic instructions in total.
 *
 * Memory ordering: every Atomics operation is sequentially consistent. Plain writes made while
 * holding the lock happen before the unlocking exchange, which is seen by the next locking
 * compareExchange/exchange, so the next holder sees all of them with plain reads. That is why
 * everything the lock protects (the page buddy, orphaned blocks) is read and written plainly.
 *
 * The lock is never held across user code: SharedHeap takes it inside one call and releases it
 * before returning or throwing.
 */
const SPINS = 100;
/** Returns true when the caller had to wait (for contention statistics). */
export function lock(words, at) {
    if (Atomics.compareExchange(words, at, 0, 1) === 0)
        return false;
    for (let i = 0; i < SPINS; i++) {
        if (Atomics.load(words, at) === 0 && Atomics.compareExchange(words, at, 0, 1) === 0)
            return true;
    }
    // Leaving the word at 2 while we own it makes our unlock notify: another sleeper may exist.
    while (Atomics.exchange(words, at, 2) !== 0)
        Atomics.wait(words, at, 2);
    return true;
}
export function unlock(words, at) {
    if (Atomics.exchange(words, at, 0) === 2)
        Atomics.notify(words, at, 1);
}
//# sourceMappingURL=lock.js.map