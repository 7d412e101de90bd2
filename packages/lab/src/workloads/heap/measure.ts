import { Worker } from 'node:worker_threads';
import { SharedHeap, type HeapMode } from 'kalloc';
import { WorkerPool, type WorkloadSpec } from './workload.ts';
import { median } from '../../kit/stats.ts';

/**
 * The multi-worker measurements the benchmark and the lab scenario share: throughput (alloc+free
 * pairs per second, timed inside the workers after a start gate) of
 *   local1  one worker, steady-state local alloc/free
 *   local2  two workers, each the same
 *   pc      producer/consumer: one worker allocates, the other frees (every free is remote)
 * for each heap mode. Runs of the two modes are interleaved and repeated; the median counts, so
 * a burst of load from elsewhere on the machine hits both designs alike.
 */
export interface HeapMeasureParams {
  /** alloc+free pairs per worker in the local workloads. */
  localPairs: number;
  /** Objects passed from producer to consumer. */
  pcObjects: number;
  reps: number;
  maxSize: number;
  live: number;
}

export const WORKLOADS = ['local1', 'local2', 'pc'] as const;
export type Workload = (typeof WORKLOADS)[number];
export type HeapFigures = Record<Workload, number>;

function specs(workload: Workload, p: HeapMeasureParams): WorkloadSpec[] {
  const local = (seed: number): WorkloadSpec => ({ kind: 'local', ops: p.localPairs, seed, maxSize: p.maxSize, live: p.live });
  if (workload === 'local1') return [local(1)];
  if (workload === 'local2') return [local(1), local(2)];
  return [
    { kind: 'producer', ops: p.pcObjects, seed: 1, maxSize: p.maxSize, live: 0 },
    { kind: 'consumer', ops: p.pcObjects, seed: 2, maxSize: p.maxSize, live: 0 },
  ];
}

/** One run: a fresh heap, the workers, the throughput; the heap is checked afterwards. */
async function runWorkload(pool: WorkerPool, mode: HeapMode, workload: Workload, p: HeapMeasureParams): Promise<number> {
  const heap = SharedHeap.create({ size: 64 << 20, mode });
  const list = specs(workload, p);
  const reports = await pool.run(heap, list, { timeoutMs: 120_000 });
  heap.check();
  const ms = Math.max(...reports.map((r) => r.ms));
  const pairs = workload === 'pc' ? p.pcObjects : p.localPairs * list.length;
  return (pairs / ms) * 1000;
}

export async function measureHeap(
  modes: readonly HeapMode[],
  p: HeapMeasureParams,
  progress?: (done: number, total: number, label: string) => void,
): Promise<Record<string, HeapFigures>> {
  const samples = new Map<string, number[]>();
  const total = p.reps * WORKLOADS.length * modes.length;
  let done = 0;
  const pool = new WorkerPool(2);
  try {
    for (let rep = 0; rep < p.reps; rep++) {
      for (const workload of WORKLOADS) {
        for (const mode of modes) {
          progress?.(done, total, `${mode} ${workload}`);
          const key = `${mode}/${workload}`;
          samples.set(key, [...(samples.get(key) ?? []), await runWorkload(pool, mode, workload, p)]);
          done++;
        }
      }
    }
  } finally {
    await pool.close();
  }
  progress?.(total, total, 'done');
  const out: Record<string, HeapFigures> = {};
  for (const mode of modes) {
    out[mode] = Object.fromEntries(WORKLOADS.map((w) => [w, median(samples.get(`${mode}/${w}`)!)])) as HeapFigures;
  }
  return out;
}

/** A fixed loop of typed-array updates, in a worker; posts its duration in ms. */
const SPIN_LOOP = `
const { parentPort } = require('node:worker_threads');
const a = new Int32Array(1 << 18);
let x = 1;
const t0 = performance.now();
for (let i = 0; i < 2e7; i++) { x = (x * 1103515245 + 12345) | 0; const j = (x >>> 12) & 262143; a[j] = a[j] + i; }
parentPort.postMessage(performance.now() - t0 + (x & 0) * a[0]);
`;

/**
 * How much parallelism the machine gives right now: the same fixed loop in two workers at once
 * against one worker (2.0 = two idle cores; near 1.0 = another process holds a core). The
 * benchmark prints it next to the 2-worker figures, which cannot scale beyond it.
 */
export async function machineParallelism(): Promise<number> {
  // Best of two runs each: a burst of load from elsewhere should not count as the machine's.
  const best = async (n: number): Promise<number> => Math.max(await run(n), await run(n));
  const run = async (n: number): Promise<number> => {
    const workers = Array.from({ length: n }, () => new Worker(SPIN_LOOP, { eval: true }));
    try {
      const ms = await Promise.all(workers.map((w) => new Promise<number>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      })));
      return n / Math.max(...ms);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  };
  const one = await best(1);
  return (await best(2)) / one;
}

/**
 * The ideal the 2-worker figure is held against: two workers running the same local workload
 * at the same time on two separate heaps (nothing shared at all). Median of `p.reps` runs.
 */
export async function measureSeparateHeaps(p: HeapMeasureParams): Promise<number> {
  const pools = [new WorkerPool(1), new WorkerPool(1)];
  const samples: number[] = [];
  try {
    for (let rep = 0; rep < p.reps; rep++) {
      const runs = pools.map((pool, i) => pool.run(SharedHeap.create({ size: 64 << 20 }), specs('local1', { ...p }).map((s) => ({ ...s, seed: i + 1 }))));
      const ms = Math.max(...(await Promise.all(runs)).map((r) => r[0]!.ms));
      samples.push(((2 * p.localPairs) / ms) * 1000);
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
  return median(samples);
}
