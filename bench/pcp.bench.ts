import { PageAllocator, type PcpDesign } from '../packages/kalloc/src/page/page-allocator.ts';
import { MACHINE_PCP } from '../packages/lab/src/workloads/pcp.ts';
import { measure, printResults, sink } from './harness.ts';
import type { BenchSuite } from './index.ts';

/**
 * Order-0 alloc+free pairs through each per-CPU design on a 1 GiB zone with the machine's
 * high/batch: freed on the allocating CPU (the cache's fast path) and on another CPU (classic:
 * the other CPU's list overflows and the allocating one refills; pcp buddy: a remote free the
 * owner takes in on its next call).
 */
const BATCH = 64;
const PAGES = 1 << 18;

function pairs(design: PcpDesign, freeCpu: number): () => void {
  const a = new PageAllocator({ pages: PAGES, cpus: 2, pcp: design, pcpHigh: MACHINE_PCP.high, pcpBatch: MACHINE_PCP.batch });
  const held = new Int32Array(BATCH);
  const on0 = { cpu: 0 };
  const onFree = { cpu: freeCpu };
  return () => {
    for (let i = 0; i < BATCH; i++) held[i] = a.alloc(0, on0)!;
    for (let i = BATCH - 1; i >= 0; i--) a.free(held[i]!, onFree);
    sink.value ^= held[0]!;
  };
}

export const pcpSuite: BenchSuite = {
  name: 'pcp',
  description: 'PageAllocator per-CPU designs: order-0 alloc+free pairs, local and cross-CPU',
  async run() {
    const designs: PcpDesign[] = ['buddy', 'classic', 'none'];
    const local = await measure(designs.map((d) => ({ name: `${d}: alloc+free on CPU 0`, ops: BATCH, fn: pairs(d, 0) })));
    printResults('order-0 pairs, freed on the allocating CPU', local, 'classic: alloc+free on CPU 0');
    const remote = await measure(designs.map((d) => ({ name: `${d}: alloc on CPU 0, free on CPU 1`, ops: BATCH, fn: pairs(d, 1) })));
    printResults('order-0 pairs, freed on another CPU', remote, 'classic: alloc on CPU 0, free on CPU 1');
  },
};
