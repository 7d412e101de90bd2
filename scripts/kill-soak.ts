// The SharedHeap kill soak: N real worker threads do random allocs and frees on one heap through
// a shared table of slots (most frees are cross-worker frees), while the main thread terminates
// a random worker at a random moment, reclaims its id and starts a new worker in its place. At
// the end the main thread frees what the table still holds, checking every object's pattern.
//
// What must hold: no object is lost (every published object is still allocated, intact, and
// frees without error) and none overlaps another (patterns intact); check() passes after every
// reclaim and at the end; nothing hangs (a hard timeout). What may leak: at most two objects per
// terminate (one being allocated before its slot was published, one whose slot was claimed but
// not yet freed); they are counted, not hidden.
import type { Worker } from 'node:worker_threads';
import { Prng, SharedHeap, type HeapMode } from 'kalloc';
import { spawnWorker } from 'kalloc/node';
import { C_CORRUPT, C_FAILURES, C_OPS, COUNTERS, EMPTY, intact, type SoakWorkerInput } from './heap-soak-worker.ts';

export interface KillSoakOptions {
  workers: number;
  opsPerWorker: number;
  kills: number;
  seed: number;
  mode?: HeapMode;
  heapBytes?: number;
  slots?: number;
  timeoutMs: number;
}

export interface KillSoakResult {
  ops: number;
  allocFailures: number;
  kills: number;
  lockRecoveries: number;
  corrupt: number;
  lost: number;
  leaked: number;
  seconds: number;
}

const ENTRY = new URL('./heap-soak-worker.ts', import.meta.url);

export async function killSoak(o: KillSoakOptions): Promise<KillSoakResult> {
  const heap = SharedHeap.create({ size: o.heapBytes ?? 16 << 20, maxWorkers: o.workers + 1, blockPages: 8, mode: o.mode ?? 'owned' });
  const slots = new SharedArrayBuffer((o.slots ?? 4096) * 4);
  new Int32Array(slots).fill(EMPTY);
  const counters = new SharedArrayBuffer((o.workers + 1) * COUNTERS * 8);
  const count = new Float64Array(counters);
  const rng = new Prng(o.seed);
  const t0 = performance.now();
  let kills = 0;
  let failure: Error | undefined;

  const start = (id: number, ops: number): { worker: Worker; done: Promise<number>; exited: boolean; startOps: number } => {
    const input: SoakWorkerInput = { buffers: heap.buffers, worker: id, seed: rng.u32(), ops, slots, counters, largeEvery: 64 };
    const worker = spawnWorker(ENTRY, input as unknown as Record<string, unknown>);
    const run = { worker, done: Promise.resolve(0), exited: false, startOps: count[id * COUNTERS + C_OPS]! };
    run.done = new Promise<number>((resolve) => {
      worker.on('error', (e) => {
        failure ??= e;
        run.exited = true;
        resolve(1);
      });
      worker.on('exit', (code) => {
        run.exited = true;
        resolve(code);
      });
    });
    return run;
  };

  const hardStop = setTimeout(() => {
    const progress = Array.from({ length: o.workers }, (_, i) => count[(i + 1) * COUNTERS + C_OPS]).join(', ');
    failure ??= new Error(`kill soak: hard timeout of ${o.timeoutMs} ms (ops per worker: ${progress}; lock word ${Atomics.load(new Int32Array(heap.buffers.meta), 32)})`);
  }, o.timeoutMs);
  const running: ReturnType<typeof start>[] = [];
  try {
    running.push(...Array.from({ length: o.workers }, (_, i) => start(i + 1, o.opsPerWorker)));
    const opsOf = (id: number): number => count[id * COUNTERS + C_OPS]!;
    // Each kill: wait a random moment, terminate a random worker, reclaim its id (unless it had
    // finished and detached), start a new worker for the rest of that id's operations.
    while (kills < o.kills && failure === undefined) {
      await new Promise((r) => setTimeout(r, 10 + rng.below(100)));
      if (running.every((r) => r.exited)) break;
      // Only a worker that is inside its loop (tsx takes a while to start one).
      const alive = running.map((r, i) => (!r.exited && opsOf(i + 1) > r.startOps ? i + 1 : -1)).filter((id) => id > 0);
      if (alive.length === 0) continue;
      const id = alive[rng.below(alive.length)]!;
      const run = running[id - 1]!;
      const before = opsOf(id);
      await run.worker.terminate();
      await run.done;
      if (process.env.SOAK_DEBUG) console.error(`kill ${id} at ${before} ops; attached ${heap.stats().workers.map((w) => w.worker)}`);
      if (heap.stats().workers.some((w) => w.worker === id)) {
        heap.reclaim(id);
        kills++;
      }
      running[id - 1] = start(id, Math.max(0, o.opsPerWorker - opsOf(id)));
    }
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const codes = await Promise.race([
      Promise.all(running.map((r) => r.done)),
      new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(failure ?? new Error('kill soak: hard timeout')), Math.max(1, o.timeoutMs - (performance.now() - t0)));
      }),
    ]).finally(() => clearTimeout(deadline));
    if (failure) throw failure;
    if (codes.some((c) => c !== 0)) throw new Error(`a worker exited with ${codes.join(', ')}`);
  } finally {
    clearTimeout(hardStop);
    // On a failure (a hang included), stop the workers still running so the process can end.
    for (const r of running) if (!r.exited) void r.worker.terminate();
  }
  // Free what the table holds, checking each object.
  const table = new Int32Array(slots);
  const data = new Int32Array(heap.buffers.data);
  let corrupt = 0;
  let lost = 0;
  for (let s = 0; s < table.length; s++) {
    const off = table[s]!;
    if (off === EMPTY) continue;
    const usable = heap.sizeOf(off);
    if (usable === undefined) {
      lost++;
      continue;
    }
    if (!intact(data, off, usable)) corrupt++;
    heap.free(off);
  }
  heap.check();
  const st = heap.stats();
  let ops = 0;
  let allocFailures = 0;
  for (let w = 1; w <= o.workers; w++) {
    ops += count[w * COUNTERS + C_OPS]!;
    allocFailures += count[w * COUNTERS + C_FAILURES]!;
    corrupt += count[w * COUNTERS + C_CORRUPT]!;
  }
  return {
    ops,
    allocFailures,
    kills,
    lockRecoveries: st.lock.recovered,
    corrupt,
    lost,
    leaked: st.liveObjects + st.largeBlocks,
    seconds: (performance.now() - t0) / 1000,
  };
}
