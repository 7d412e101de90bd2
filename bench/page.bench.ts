import { formatNumber } from '../src/core/format.ts';
import { PageAllocator } from '../src/page/page-allocator.ts';
import { fragmentedZone } from '../src/page/scenarios/workload.ts';
import { BYTES_PER_PAGE } from '../src/page/zone.ts';
import { measure, printResults, sink, type BenchResult } from './harness.ts';
import type { BenchSuite } from './index.ts';

/**
 * The zone buddy with pcp 'none' (every call under the zone lock): order-0 and order-3
 * alloc+free pairs (target: >= 5 M order-0 pairs/s), and allocContig of 2 MiB on a fragmented
 * zone, migrating movable pages out of the way.
 */
const BATCH = 64;

/** A zone where every other block of `order` is allocated: frees never merge, allocs never split. */
function checkerboard(pages: number, order: number): PageAllocator {
  const a = new PageAllocator({ pages, pcp: 'none' });
  const all: number[] = [];
  for (let p = a.alloc(order); p !== undefined; p = a.alloc(order)) all.push(p);
  for (const p of all) if ((p >> order) % 2 === 0) a.free(p);
  return a;
}

/** BATCH allocations then BATCH frees of `order`: BATCH pairs per call. */
function pairs(a: PageAllocator, order: number): () => void {
  const held = new Int32Array(BATCH);
  return () => {
    for (let i = 0; i < BATCH; i++) held[i] = a.alloc(order)!;
    for (let i = BATCH - 1; i >= 0; i--) a.free(held[i]!);
    sink.value ^= held[0]!;
  };
}

/** Times successive allocContig(nrPages) calls (no frees) until `count` or the first failure. */
function timeContig(a: PageAllocator, nrPages: number, count: number): BenchResult & { done: number; migrated: number } {
  const times: number[] = [];
  const migrated0 = a.stats().migrations;
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const pfn = a.allocContig(nrPages);
    const ns = Number(process.hrtime.bigint() - t0);
    if (pfn === undefined) break;
    times.push(ns);
  }
  const sorted = [...times].sort((x, y) => x - y);
  const mean = times.reduce((s, t) => s + t, 0) / Math.max(1, times.length);
  return {
    name: `allocContig 2 MiB, fragmented 4 GiB zone`,
    opsPerSec: 1e9 / mean,
    rme: 0,
    p50: sorted[Math.floor(sorted.length / 2)] ?? 0,
    p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
    done: times.length,
    migrated: a.stats().migrations - migrated0,
  };
}

export const pageSuite: BenchSuite = {
  name: 'page',
  description: 'PageAllocator (pcp none): order-0/order-3 alloc+free pairs, allocContig of 2 MiB on a fragmented zone',
  async run() {
    const PAGES = 1 << 18; // 1 GiB of 4 KiB pages
    const results = await measure([
      { name: 'order-0 pairs, steady state (no split/merge)', ops: BATCH, fn: pairs(checkerboard(PAGES, 0), 0) },
      { name: 'order-3 pairs, steady state', ops: BATCH, fn: pairs(checkerboard(PAGES, 3), 3) },
      { name: 'order-0 pairs, empty zone (10 splits + 10 merges)', ops: BATCH, fn: pairs(new PageAllocator({ pages: PAGES, pcp: 'none' }), 0) },
    ]);
    const contig = timeContig(fragmentedZone(1 << 20, 11).a, 512, 200);
    results.push(contig);
    printResults('page allocator, pcp none', results);
    console.log(
      `allocContig: ${contig.done} requests of 512 pages, ${formatNumber(contig.migrated / Math.max(1, contig.done))} blocks migrated per request, ` +
        `${formatNumber(contig.p50 / 1e3)} µs p50; per-page metadata ${BYTES_PER_PAGE} bytes (${formatNumber((BYTES_PER_PAGE * 4 * 2 ** 20) / 2 ** 20)} MiB for 4 Mi pages)`,
    );
    const order0 = results[0]!.opsPerSec;
    console.log(`order-0 pairs: ${formatNumber(order0 / 1e6)} M/s (target >= 5 M/s: ${order0 >= 5e6 ? 'met' : 'NOT met'})`);
  },
};
