// Worker thread entry of the heap workloads (see workload.ts): run each workload posted to us.
import { parentPort } from 'node:worker_threads';
import { workerMain } from './workload.ts';

parentPort!.on('message', (input: unknown) => parentPort!.postMessage(workerMain(input)));
