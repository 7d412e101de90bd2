import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running `entry`. A `.ts` entry (running under tsx) starts through the
 * tsx-worker.mjs shim, which registers tsx in the new thread first; a `.js`/`.mjs` entry starts
 * directly. Pass `import.meta.url`-relative URLs: `spawnWorker(new URL('./w.ts', import.meta.url), data)`.
 */
export function spawnWorker(entry: URL, workerData: Record<string, unknown>): Worker {
  if (entry.pathname.endsWith('.ts')) {
    return new Worker(new URL('./tsx-worker.mjs', import.meta.url), { workerData: { ...workerData, __entry: entry.href } });
  }
  return new Worker(entry, { workerData });
}

/** Resolves with the worker's next message; rejects if it fails or exits before sending one. */
export function firstMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settle = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: T): void => {
      settle();
      resolve(message);
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`worker exited with code ${code} before reporting`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
