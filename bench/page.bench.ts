import { formatNumber } from '../packages/lab/src/format.ts';
import { Prng } from '../packages/kalloc/src/core/prng.ts';
import type { GigablockIndex } from '../packages/kalloc/src/page/gigablock/index.ts';
import { PageAllocator } from '../packages/kalloc/src/page/page-allocator.ts';
import { fragmentedZone } from '../packages/lab/src/workloads/page.ts';
import { BYTES_PER_PAGE, Zone } from '../packages/kalloc/src/page/zone.ts';
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

/**
 * Gigablocks on vs off (the overhead the RFC's reviewers asked about; target <= 1.2x), on the
 * same pre-drawn calls: a 4 GiB zone 90% full of a mix (orders 0-3, 5% unmovable or reclaimable),
 * each operation one free of a random live block + one allocation; and order-0 movable pairs in
 * the steady state. Then picking a gigablock: the index's bitmap AND + find-first-set against
 * walking every gigablock's lists and counters, on 256 gigablocks.
 */
function mixedChurn(gigablocks: boolean): () => void {
  const PAGES = 1 << 20;
  const a = new PageAllocator({ pages: PAGES, pcp: 'none', gigablocks, gigablockOrder: 18 });
  const rng = new Prng(5);
  const live = new Int32Array(PAGES);
  let count = 0;
  const types = ['movable', 'unmovable', 'reclaimable'] as const;
  const draw = (): void => {
    const r = rng.float();
    const pfn = a.alloc(rng.below(4), { migratetype: types[r < 0.95 ? 0 : r < 0.98 ? 1 : 2] });
    if (pfn !== undefined) live[count++] = pfn;
  };
  while (a.freePages > PAGES * 0.1) draw();
  return () => {
    for (let i = 0; i < BATCH; i++) {
      const k = rng.below(count);
      a.free(live[k]!);
      live[k] = live[--count]!;
      draw();
    }
  };
}

function orderZeroPairs(gigablocks: boolean): () => void {
  const a = new PageAllocator({ pages: 1 << 20, pcp: 'none', gigablocks });
  const all: number[] = [];
  for (let p = a.alloc(0, { migratetype: 'movable' }); p !== undefined; p = a.alloc(0, { migratetype: 'movable' })) all.push(p);
  for (const p of all) if (p % 2 === 0) a.free(p);
  const held = new Int32Array(BATCH);
  return () => {
    for (let i = 0; i < BATCH; i++) held[i] = a.alloc(0, { migratetype: 'movable' })!;
    for (let i = BATCH - 1; i >= 0; i--) a.free(held[i]!);
    sink.value ^= held[0]!;
  };
}

/** The pick without an index: every gigablock's counters and list heads, keeping the fullest clean one. */
function walkPick(zone: Zone, index: GigablockIndex, order: number): number {
  let best = -1;
  let bestFree = Infinity;
  for (let gb = 0; gb < index.count; gb++) {
    if (index.fixedPages[gb]! > 0) continue; // tainted
    let has = false;
    for (let o = order; o <= zone.maxOrder && !has; o++) has = zone.hasFreeBlock(gb, o, 1);
    if (has && index.freePages[gb]! < bestFree) {
      best = gb;
      bestFree = index.freePages[gb]!;
    }
  }
  return best;
}

/** 256 gigablocks of 64 MiB (gigablockOrder 14) on a 16 GiB zone: mixed fill, a few tainted. */
function pickZone(): Zone {
  const zone = new Zone({ pages: 1 << 22, maxOrder: 10, pageblockOrder: 9, gigablockOrder: 14 });
  const rng = new Prng(9);
  while (zone.freePages > zone.pages * 0.3) zone.take(rng.below(4), rng.chance(0.01) ? 0 : 1);
  return zone;
}

export const pageGigablocksSuite: BenchSuite = {
  name: 'page-gigablocks',
  description: 'PageAllocator gigablocks on vs off (mixed churn, order-0 pairs); picking a gigablock by bitmap vs walking lists',
  async run() {
    // Two alternating rounds, the better of each: the machine is shared, and load drifts.
    const tasks = [
      { name: 'mixed churn, gigablocks off', ops: BATCH, fn: mixedChurn(false) },
      { name: 'mixed churn, gigablocks on', ops: BATCH, fn: mixedChurn(true) },
      { name: 'order-0 movable pairs, gigablocks off', ops: BATCH, fn: orderZeroPairs(false) },
      { name: 'order-0 movable pairs, gigablocks on', ops: BATCH, fn: orderZeroPairs(true) },
    ];
    const results = await measure(tasks);
    for (const [i, r] of (await measure(tasks)).entries()) if (r.opsPerSec > results[i]!.opsPerSec) results[i] = r;
    printResults('gigablocks on vs off (one op = free + alloc)', results);
    for (const [off, on] of [[results[0]!, results[1]!], [results[2]!, results[3]!]] as const) {
      const ratio = off.opsPerSec / on.opsPerSec;
      console.log(`${on.name}: ${formatNumber(ratio)}x the time of off (target <= 1.2x: ${ratio <= 1.2 ? 'met' : 'NOT met'})`);
    }
    const zone = pickZone();
    const index = zone.index!;
    const policy = zone.policy!;
    const picks = await measure([
      { name: 'pick by bitmap (fullestClean)', ops: 4, fn: () => { for (let o = 0; o < 4; o++) sink.value ^= policy.fullestClean(o, 1); } },
      { name: 'pick by walking lists and counters', ops: 4, fn: () => { for (let o = 0; o < 4; o++) sink.value ^= walkPick(zone, index, o); } },
    ]);
    for (let o = 0; o < 4; o++) {
      if (policy.fullestClean(o, 1) !== walkPick(zone, index, o) && index.fullnessOf[policy.fullestClean(o, 1)] !== index.fullnessOf[walkPick(zone, index, o)]) {
        throw new Error(`picks disagree at order ${o}`);
      }
    }
    printResults(`picking the fullest clean gigablock of ${index.count} (${index.tainted.count()} tainted)`, picks, picks[1]!.name);
    const perPage = BYTES_PER_PAGE + 13 / 512 + (zone.heads.byteLength + index.bytes) / zone.pages;
    console.log(`metadata with gigablocks: ${BYTES_PER_PAGE} B/page + 13 B/pageblock + ${formatNumber((zone.heads.byteLength + index.bytes) / index.count)} B/gigablock = ${perPage.toFixed(4)} B/page here`);
  },
};
