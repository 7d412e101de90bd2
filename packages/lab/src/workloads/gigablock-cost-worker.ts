// Worker thread entry of review-gigablocks' cost run (see runCost in gigablock-cost.ts).
import { parentPort } from 'node:worker_threads';
import { handleCostMessage, type CostMessage } from './gigablock-cost.ts';

parentPort!.on('message', (m: CostMessage) => parentPort!.postMessage(handleCostMessage(m)));
