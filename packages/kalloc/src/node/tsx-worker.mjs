// Worker entry for TypeScript workers under tsx (tsx cannot start a worker from a .ts file on
// Node >= 20.6, privatenumber/tsx#354): register tsx in this thread, then load the real entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
