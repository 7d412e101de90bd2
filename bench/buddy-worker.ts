// Worker entry of the buddy bench: measures one design on one workload in a fresh isolate.
import { parentPort, workerData } from 'node:worker_threads';
import { measureDesign } from './buddy.bench.ts';

const { design, workload, ms } = workerData as { design: number; workload: number; ms: number };
parentPort!.postMessage(await measureDesign(design, workload, ms));
