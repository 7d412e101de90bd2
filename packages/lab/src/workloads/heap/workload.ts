import type { Worker } from 'node:worker_threads';
import { Prng, SharedHeap, type SharedHeapBuffers } from 'kalloc';
import { OffsetRing } from './ring.ts';
import { fillPattern, findPatternError } from './pattern.ts';
import { firstMessage, spawnWorker } from 'kalloc/node';

// The worker module beside this one, with this module's own extension: `.ts` when the lab runs from
// source under tsx, `.js` when it runs built.
const WORKER_ENTRY = new URL(`./worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/**
 * The programs that worker threads run against one SharedHeap, shared by the stress test, the
 * soak script, the benchmark and the lab scenario:
 *
 *   local     steady state: each step allocates one object and frees a random live one
 *   producer  allocates and hands every object to the next worker through a ring
 *   consumer  frees what the previous worker hands it (every free is a remote free)
 *   mixed     random allocs (some page-sized) and frees, some frees sent to the next worker;
 *             with `verify`, every allocation carries a pattern checked when it is freed
 *
 * Workers are ids 1..N (the main thread is worker 0); worker i's inbox is ring i, filled by
 * worker i-1 (cyclically). Workers wait at a start gate and time only the work after it.
 */
export type WorkloadKind = 'local' | 'producer' | 'consumer' | 'mixed';

export interface WorkloadSpec {
  kind: WorkloadKind;
  /** Steps: alloc+free pairs (local), objects (producer/consumer), single calls (mixed). */
  ops: number;
  seed: number;
  /** Small sizes are drawn from [1, maxSize]. */
  maxSize: number;
  /** local/mixed: how many live allocations a worker keeps (at most). */
  live: number;
  /** mixed: 1 in N allocations is 1-4 pages (0: none). */
  largeEvery?: number;
  /** mixed: 1 in N frees is sent to the next worker instead (0: none). */
  sendEvery?: number;
  /** mixed: fill and check patterns. */
  verify?: boolean;
}

export interface WorkerReport {
  worker: number;
  ops: number;
  ms: number;
  allocFailures: number;
  remoteFrees: number;
}

interface WorkerInput {
  buffers: SharedHeapBuffers;
  worker: number;
  workers: number;
  spec: WorkloadSpec;
  control: SharedArrayBuffer;
  rings: SharedArrayBuffer;
  ringCapacity: number;
}

const READY = 0;
const GO = 16;

/** A precomputed table of sizes and picks, so that the timed loop draws no random numbers. */
const TABLE = 4096;

function table(seed: number, maxSize: number): { sizes: Int32Array; picks: Int32Array } {
  const rng = new Prng(seed);
  const sizes = new Int32Array(TABLE);
  const picks = new Int32Array(TABLE);
  for (let i = 0; i < TABLE; i++) {
    sizes[i] = rng.range(1, maxSize);
    picks[i] = rng.u32() >>> 1;
  }
  return { sizes, picks };
}

/** What the local loop needs from an allocator (SharedHeap, RangeAllocator, ...). */
export interface OffsetAllocator {
  alloc(size: number): number | undefined;
  free(offset: number): unknown;
}

/**
 * The local steady-state loop: `live` objects stay allocated; each step allocates one and frees
 * a random other. prepare() fills the live set (untimed), run(pairs) is the timed part.
 */
export class LocalLoop {
  private readonly live: Int32Array;
  private readonly sizes: Int32Array;
  private readonly picks: Int32Array;
  private step = 0;
  failures = 0;

  constructor(
    private readonly a: OffsetAllocator,
    live: number,
    seed: number,
    maxSize: number,
  ) {
    this.live = new Int32Array(live);
    ({ sizes: this.sizes, picks: this.picks } = table(seed, maxSize));
  }

  prepare(): void {
    for (let i = 0; i < this.live.length; i++) this.live[i] = this.a.alloc(this.sizes[i % TABLE]!) ?? -1;
  }

  run(pairs: number): void {
    const { a, live, sizes, picks } = this;
    let step = this.step;
    for (let i = 0; i < pairs; i++, step = (step + 1) & (TABLE - 1)) {
      const off = a.alloc(sizes[step]!);
      const j = picks[step]! % live.length;
      const old = live[j]!;
      live[j] = off ?? -1;
      if (off === undefined) this.failures++;
      if (old >= 0) a.free(old);
    }
    this.step = step;
  }

  finish(): void {
    for (let i = 0; i < this.live.length; i++) if (this.live[i]! >= 0) this.a.free(this.live[i]!);
    this.live.fill(-1);
  }
}

/** Frees `off` after checking its pattern (mixed + verify). */
function verifyAndFree(heap: SharedHeap, off: number, verify: boolean): void {
  if (verify) {
    const usable = heap.sizeOf(off);
    if (usable === undefined) throw new Error(`worker ${heap.worker}: offset ${off} is not allocated at free`);
    const bad = findPatternError(heap.bytes(off), off);
    if (bad >= 0) throw new Error(`worker ${heap.worker}: allocation at ${off} (size ${usable}) corrupted at byte ${bad}`);
  }
  heap.free(off);
}

/** The worker side: attach, warm up, wait at the gate, run the timed part, clean up, report. */
export function workerMain(input: unknown): WorkerReport {
  const { spec, worker, workers, ringCapacity, buffers, control: controlBuffer, rings } = input as WorkerInput;
  const heap = SharedHeap.attach(buffers, { worker });
  const control = new Int32Array(controlBuffer);
  const ringAt = (i: number): OffsetRing => new OffsetRing(rings, ringCapacity, (i - 1) * OffsetRing.bytes(ringCapacity));
  const inbox = ringAt(worker);
  const outbox = ringAt((worker % workers) + 1);
  const report: WorkerReport = { worker, ops: spec.ops, ms: 0, allocFailures: 0, remoteFrees: 0 };
  const rng = new Prng(spec.seed);
  const { sizes } = table(spec.seed, spec.maxSize);

  let loop: LocalLoop | undefined;
  if (spec.kind === 'local') {
    loop = new LocalLoop(heap, spec.live, spec.seed, spec.maxSize);
    loop.prepare();
    loop.run(Math.min(spec.ops, 200_000)); // JIT warm-up, same code path as the timed part
  }

  Atomics.add(control, READY, 1);
  Atomics.notify(control, READY);
  Atomics.wait(control, GO, 0);
  const t0 = performance.now();
  switch (spec.kind) {
    case 'local':
      loop!.run(spec.ops);
      break;
    case 'producer':
      for (let i = 0; i < spec.ops; i++) {
        const off = heap.alloc(sizes[i & (TABLE - 1)]!);
        if (off === undefined) {
          report.allocFailures++;
          continue;
        }
        outbox.push(off);
      }
      outbox.close();
      break;
    case 'consumer':
      for (let off = inbox.pop(); off >= 0; off = inbox.pop()) {
        heap.free(off);
        report.remoteFrees++;
      }
      break;
    case 'mixed':
      report.remoteFrees = runMixed(heap, spec, rng, inbox, outbox, report);
      break;
  }
  report.ms = performance.now() - t0;
  if (loop) {
    report.allocFailures = loop.failures;
    loop.finish();
  }
  if (spec.kind === 'mixed') {
    // Others may still send us objects: free them until our producer is done.
    outbox.close();
    for (let off = inbox.pop(); off >= 0; off = inbox.pop()) verifyAndFree(heap, off, spec.verify ?? false);
  }
  heap.detach();
  return report;
}

function runMixed(heap: SharedHeap, spec: WorkloadSpec, rng: Prng, inbox: OffsetRing, outbox: OffsetRing, report: WorkerReport): number {
  const verify = spec.verify ?? false;
  const live = new Int32Array(spec.live);
  let n = 0;
  let received = 0;
  for (let i = 0; i < spec.ops; i++) {
    for (let k = 0, off = inbox.tryPop(); off >= 0; off = ++k < 4 ? inbox.tryPop() : -1) {
      verifyAndFree(heap, off, verify);
      received++;
    }
    if (n < live.length && (n === 0 || rng.chance(0.5))) {
      const large = spec.largeEvery && rng.below(spec.largeEvery) === 0;
      const size = large ? rng.range(heap.pageSize / 2 + 1, 4 * heap.pageSize) : rng.range(1, spec.maxSize);
      const off = heap.alloc(size);
      if (off === undefined) {
        report.allocFailures++;
        continue;
      }
      if (verify) fillPattern(heap.bytes(off), off);
      live[n++] = off;
    } else {
      const j = rng.below(n);
      const off = live[j]!;
      live[j] = live[--n]!;
      if (spec.sendEvery && rng.below(spec.sendEvery) === 0 && outbox.tryPush(off)) continue;
      verifyAndFree(heap, off, verify);
    }
  }
  while (n > 0) verifyAndFree(heap, live[--n]!, verify);
  return received;
}

export interface RunOptions {
  ringCapacity?: number;
  /** Terminate every worker and reject when the run takes longer. */
  timeoutMs?: number;
}

/**
 * Long-lived worker threads that run workloads one after another, so that a series of runs
 * (the benchmark, the lab scenario) pays the thread and tsx start-up once. Worker k of the pool
 * attaches as worker id k + 1 in each run; a run that fails terminates the whole pool.
 */
export class WorkerPool {
  private readonly workers: Worker[];

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => spawnWorker(WORKER_ENTRY, {}));
  }

  /** Runs one spec per worker (ids 1..N) against `heap`; resolves with their reports. */
  async run(heap: SharedHeap, specs: WorkloadSpec[], options: RunOptions = {}): Promise<WorkerReport[]> {
    if (specs.length > this.workers.length) throw new RangeError(`${specs.length} specs for a pool of ${this.workers.length}`);
    const ringCapacity = options.ringCapacity ?? 1024;
    const control = new SharedArrayBuffer(64 * 4);
    const rings = new SharedArrayBuffer(OffsetRing.bytes(ringCapacity) * specs.length);
    const ctl = new Int32Array(control);
    const reports = specs.map((spec, i) => {
      const worker = this.workers[i]!;
      const report = firstMessage<WorkerReport>(worker);
      const input: WorkerInput = { buffers: heap.buffers, worker: i + 1, workers: specs.length, spec, control, rings, ringCapacity };
      worker.postMessage(input);
      return report;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => reject(new Error(`workers did not finish within ${options.timeoutMs} ms`)), options.timeoutMs);
      }
    });
    try {
      // Open the gate once every worker is attached and warmed up (never time start-up).
      const ready = (async () => {
        for (let n = Atomics.load(ctl, READY); n < specs.length; n = Atomics.load(ctl, READY)) {
          await Atomics.waitAsync(ctl, READY, n, 1000).value;
        }
        Atomics.store(ctl, GO, 1);
        Atomics.notify(ctl, GO);
      })();
      await Promise.race([ready, Promise.all(reports), deadline]);
      return await Promise.race([Promise.all(reports), deadline]);
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** One run on a pool of its own (the stress test, the soak script). */
export async function runWorkers(heap: SharedHeap, specs: WorkloadSpec[], options: RunOptions = {}): Promise<WorkerReport[]> {
  const pool = new WorkerPool(specs.length);
  try {
    return await pool.run(heap, specs, options);
  } finally {
    await pool.close();
  }
}
