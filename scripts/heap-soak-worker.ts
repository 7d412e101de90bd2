// One worker of the kill soak (kill-soak.ts): random steps on a table of slots shared by every
// worker. An empty slot gets a new object (patterned, then published with a compareExchange);
// a full slot is claimed with a compareExchange and its object checked and freed — usually an
// object another worker allocated, so most frees are cross-worker frees. The worker may be
// terminated at any instruction; progress goes to shared counters as it runs.
import { isMainThread, workerData } from 'node:worker_threads';
import { Prng, SharedHeap, type SharedHeapBuffers } from 'kalloc';

export interface SoakWorkerInput {
  buffers: SharedHeapBuffers;
  worker: number;
  seed: number;
  ops: number;
  slots: SharedArrayBuffer; // Int32: -1 empty, else an offset
  counters: SharedArrayBuffer; // Float64 per worker: [ops, allocs, frees, failures, corrupt]
  largeEvery: number;
}

export const EMPTY = -1;
export const C_OPS = 0;
export const C_ALLOCS = 1;
export const C_FREES = 2;
export const C_FAILURES = 3;
export const C_CORRUPT = 4;
export const COUNTERS = 5;

/**
 * The pattern of the object at `off`: one word per 16-byte granule derived from the offset, and
 * the requested size in the second word. Two live objects that overlap break one's pattern.
 */
export function fill(data: Int32Array, off: number, size: number): void {
  for (let b = 0; b < size; b += 16) data[(off + b) >> 2] = (off * 31 + b) | 0;
  data[(off >> 2) + 1] = size; // every object has at least 16 usable bytes
}

/** Whether the object at `off` (usable size `usable`) still carries its pattern. */
export function intact(data: Int32Array, off: number, usable: number): boolean {
  if (data[off >> 2] !== ((off * 31) | 0)) return false;
  const size = data[(off >> 2) + 1]!;
  if (!(size >= 1 && size <= usable)) return false;
  for (let b = 16; b < size; b += 16) if (data[(off + b) >> 2] !== ((off * 31 + b) | 0)) return false;
  return true;
}

function run(input: SoakWorkerInput): void {
  const heap = SharedHeap.attach(input.buffers, { worker: input.worker });
  const slots = new Int32Array(input.slots);
  const counters = new Float64Array(input.counters, input.worker * COUNTERS * 8, COUNTERS);
  const data = new Int32Array(input.buffers.data);
  const rng = new Prng(input.seed);
  const maxSmall = heap.pageSize / 2;
  for (let i = 0; i < input.ops; i++) {
    const s = rng.below(slots.length);
    const off = Atomics.load(slots, s);
    if (off === EMPTY) {
      const size = input.largeEvery > 0 && rng.below(input.largeEvery) === 0 ? rng.range(maxSmall + 1, 4 * heap.pageSize) : rng.range(1, Math.min(512, maxSmall));
      const mine = heap.alloc(size);
      if (mine === undefined) {
        counters[C_FAILURES]!++;
      } else {
        counters[C_ALLOCS]!++;
        fill(data, mine, size);
        if (Atomics.compareExchange(slots, s, EMPTY, mine) !== EMPTY) heap.free(mine);
      }
    } else if (Atomics.compareExchange(slots, s, off, EMPTY) === off) {
      const usable = heap.sizeOf(off);
      if (usable === undefined || !intact(data, off, usable)) counters[C_CORRUPT]!++;
      heap.free(off);
      counters[C_FREES]!++;
    }
    counters[C_OPS]!++;
  }
  heap.detach();
}

// The main thread imports this module for the pattern and the counter layout only.
if (!isMainThread) run(workerData as SoakWorkerInput);
