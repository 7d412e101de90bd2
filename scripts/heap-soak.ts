// Soak tests of SharedHeap (not part of CI).
//
//   npm run soak -- [totalOps=1e7] [workers=4] [mode=owned|global-lock]
//     10^7 random operations over several real workers, every allocation patterned and checked
//     at free, a quarter of frees sent to another worker (remote frees), some page-sized
//     allocations; then check() and "is everything free again?".
//
//   npm run soak -- kill [workers=4] [opsPerWorker=1e6] [kills=40] [mode] [seed] [timeoutMinutes=20]
//     the kill soak (kill-soak.ts): workers terminated at random, reclaimed and replaced; no
//     object lost or overlapping, check() passing, under a hard timeout.
import { SharedHeap, type HeapMode } from '../packages/kalloc/src/heap/shared-heap.ts';
import { runWorkers } from '../packages/lab/src/workloads/heap/workload.ts';
import { killSoak } from './kill-soak.ts';

if (process.argv[2] === 'kill') {
  const [workersArg, opsArg, killsArg, modeArg, seedArg, minutesArg] = process.argv.slice(3);
  const options = {
    workers: Number(workersArg ?? 4),
    opsPerWorker: Number(opsArg ?? 1e6),
    kills: Number(killsArg ?? 40),
    mode: (modeArg ?? 'owned') as HeapMode,
    seed: Number(seedArg ?? Date.now() % 1e9),
    timeoutMs: Number(minutesArg ?? 20) * 60_000,
  };
  console.log(`kill soak: ${JSON.stringify(options)}`);
  const r = await killSoak(options);
  console.log(JSON.stringify(r));
  const ok = r.corrupt === 0 && r.lost === 0 && r.leaked <= 2 * r.kills && r.kills === options.kills;
  console.log(ok ? 'nothing lost or overlapping; check() passed' : 'FAILED');
  process.exit(ok ? 0 : 1);
}

const totalOps = Number(process.argv[2] ?? 1e7);
const workers = Number(process.argv[3] ?? 4);
const mode = (process.argv[4] ?? 'owned') as HeapMode;

const heap = SharedHeap.create({ size: 64 << 20, maxWorkers: workers + 1, mode });
const t0 = performance.now();
const reports = await runWorkers(
  heap,
  Array.from({ length: workers }, (_, i) => ({
    kind: 'mixed' as const,
    ops: Math.ceil(totalOps / workers),
    seed: 7919 * (i + 1),
    maxSize: 2048,
    live: 2000,
    largeEvery: 100,
    sendEvery: 4,
    verify: true,
  })),
  { ringCapacity: 1024 },
);
const seconds = (performance.now() - t0) / 1000;
heap.check();
const s = heap.stats();
const failures = reports.reduce((n, r) => n + r.allocFailures, 0);
const remote = reports.reduce((n, r) => n + r.remoteFrees, 0);
console.log(`${totalOps} ops on ${workers} workers (${mode}) in ${seconds.toFixed(1)} s: ${remote} cross-worker frees, ${failures} failed allocs`);
console.log(`lock: ${s.lock.acquired} acquisitions, ${s.lock.waited} waited; blocks taken ${s.blocksTaken}, returned ${s.blocksReturned}; orphan frees ${s.orphanFrees}`);
if (s.freePages !== s.pages || s.slabs !== 0 || s.largeBlocks !== 0) {
  console.error(`NOT all free at the end: ${s.freePages} of ${s.pages} pages free, ${s.slabs} slabs, ${s.largeBlocks} large blocks`);
  process.exitCode = 1;
} else {
  console.log('check() passed; the heap is entirely free again');
}
