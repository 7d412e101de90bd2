// A main thread and two workers sharing decoded data through one SharedHeap.
//
// Each worker decodes text records ("x y z" points, one record per line) into Float64 arrays
// allocated in the heap and posts only their offsets. The main thread reads the points in place,
// with no copy, and frees each record: a free by another thread goes back to the worker that
// allocated it (its remote-free list). When a worker exits it detaches, handing its blocks back.
//
// Run it: node --import tsx examples/shared-heap/main.ts
import { SharedHeap } from 'kalloc';
import { spawnWorker } from 'kalloc/node';
import type { DecodedRecord, WorkerInput } from './worker.ts';

export interface ExampleResult {
  records: number;
  points: number;
  sum: number;
  freePagesAtEnd: number;
  pages: number;
}

/** Some text for the workers to decode: record r has r % 7 + 1 points. */
export function makeInput(records: number, seed: number): string[] {
  const lines: string[] = [];
  for (let r = 0; r < records; r++) {
    const points = (r % 7) + 1;
    const coords = Array.from({ length: points * 3 }, (_, i) => ((seed * 31 + r * 17 + i * 5) % 200) / 4 - 25);
    lines.push(coords.join(' '));
  }
  return lines;
}

export async function runExample(records = 200): Promise<ExampleResult> {
  // 4 MiB of shared memory; this thread is worker 0, the two workers take ids 1 and 2.
  const heap = SharedHeap.create({ size: 4 << 20, maxWorkers: 3 });
  const inputs = [makeInput(records, 1), makeInput(records, 2)];
  const workers = inputs.map((lines, i) =>
    spawnWorker(new URL('./worker.ts', import.meta.url), { buffers: heap.buffers, worker: i + 1, lines } satisfies WorkerInput),
  );
  let result: ExampleResult;
  try {
    const batches = await Promise.all(
      workers.map(
        (w) =>
          new Promise<DecodedRecord[]>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
          }),
      ),
    );
    let points = 0;
    let sum = 0;
    for (const batch of batches) {
      for (const { offset, points: n } of batch) {
        // A Float64Array over the worker's allocation: the decoded data is read in place.
        const xyz = new Float64Array(heap.buffers.data, offset, n * 3);
        for (const v of xyz) sum += v;
        points += n;
        heap.free(offset); // routed back to the worker that allocated it
      }
    }
    // Tell the workers we are done; each detaches (reclaiming our frees) and exits.
    const exits = workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
    for (const w of workers) w.postMessage('done');
    await Promise.all(exits);
    heap.check();
    const stats = heap.stats();
    result = { records: batches.flat().length, points, sum, freePagesAtEnd: stats.freePages, pages: stats.pages };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return result;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const r = await runExample();
  console.log(`decoded ${r.records} records (${r.points} points, sum ${r.sum}) in two workers;`);
  console.log(`read and freed them here; heap free again: ${r.freePagesAtEnd} of ${r.pages} pages`);
}
