// A worker of examples/shared-heap: decodes text records into the shared heap.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedHeap, type SharedHeapBuffers } from 'kalloc';

export interface WorkerInput {
  buffers: SharedHeapBuffers;
  worker: number;
  lines: string[];
}

/** What the worker posts: where each decoded record lives, and how many points it has. */
export interface DecodedRecord {
  offset: number;
  points: number;
}

const { buffers, worker, lines } = workerData as WorkerInput;
const heap = SharedHeap.attach(buffers, { worker });

const decoded: DecodedRecord[] = [];
for (const line of lines) {
  const coords = line.split(' ').map(Number);
  const offset = heap.alloc(coords.length * 8, { align: 8 });
  if (offset === undefined) throw new Error('the shared heap is full');
  new Float64Array(heap.buffers.data, offset, coords.length).set(coords);
  decoded.push({ offset, points: coords.length / 3 });
}
parentPort!.postMessage(decoded);

// The main thread frees our records; we leave when it says so. detach() reclaims its frees,
// returns our (now empty) blocks to the shared level and frees our worker id.
parentPort!.once('message', () => {
  heap.detach();
  parentPort!.close();
});
