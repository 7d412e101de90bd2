import { Worker } from 'node:worker_threads';
/**
 * Starts a worker thread running `entry`. A `.ts` entry (running under tsx) starts through the
 * tsx-worker.mjs shim, which registers tsx in the new thread first; a `.js`/`.mjs` entry starts
 * directly. Pass `import.meta.url`-relative URLs: `spawnWorker(new URL('./w.ts', import.meta.url), data)`.
 */
export declare function spawnWorker(entry: URL, workerData: Record<string, unknown>): Worker;
/** Resolves with the worker's next message; rejects if it fails or exits before sending one. */
export declare function firstMessage<T>(worker: Worker): Promise<T>;
