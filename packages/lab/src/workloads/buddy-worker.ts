// Worker thread entry of the buddy scenarios (see runPerDesign in buddy-runs.ts): runs each posted workload.
import { parentPort } from 'node:worker_threads';
import { BUDDY_RUNS } from './buddy-runs.ts';

type Task = { run: keyof typeof BUDDY_RUNS; design: string; params: never };

parentPort!.on('message', ({ run, design, params }: Task) => parentPort!.postMessage(BUDDY_RUNS[run](design, params)));
