import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { PageAllocator, type PageAllocatorOptions } from '../packages/kalloc/src/page/page-allocator.ts';
import { defaultBatch } from '../packages/kalloc/src/page/pcp/tuning.ts';

/** 64 pages: four pageblocks of 16 (pageblock order = maxOrder = 4); small batches, no drains over high. */
function zone(pcp: 'classic' | 'buddy', extra: Partial<PageAllocatorOptions> = {}): PageAllocator {
  return new PageAllocator({ pages: 64, maxOrder: 4, pageblockOrder: 4, cpus: 2, pcp, pcpBatch: 4, pcpHigh: 100, ...extra });
}

const movable = (cpu: number) => ({ migratetype: 'movable' as const, cpu });

test('pcp buddy: a remote free is queued for the owner, who merges it on its next call', () => {
  const a = zone('buddy');
  assert.equal(a.alloc(0, movable(0)), 0);
  let s = a.stats();
  // Phase 1 claimed pageblock 0 whole under one lock; CPU 0 split it: 8, 4, 2, 1 cached.
  assert.deepEqual([s.pcp.ownedPageblocks, s.pcp.refillPages[1], s.pcp.cachedPerCpu[0], s.zoneLock.acquisitions, s.zoneLock.pagesMoved], [1, 16, 15, 1, 16]);
  a.free(0, { cpu: 1 });
  s = a.stats();
  assert.equal(s.pcp.remoteFrees, 1);
  assert.deepEqual(s.pcp.cachedPerCpu, [16, 0], 'the page waits in CPU 0\'s queue, not on CPU 1');
  assert.equal(s.pcp.cpuMerges, 0, 'not merged until the owner runs');
  a.check();
  // CPU 0's next call takes it in: 0 merges with 1, 2, 4, 8 back into the whole pageblock.
  assert.equal(a.alloc(0, movable(0)), 0);
  s = a.stats();
  assert.equal(s.pcp.cpuMerges, 4);
  assert.equal(s.zoneLock.acquisitions, 1, 'no zone lock for the free, the intake or the reuse');
  a.check();
});

test('pcp buddy: ownership ends when the pageblock goes back to the zone whole, not in part', () => {
  const a = zone('buddy');
  const p = a.alloc(0, movable(0))!;
  const q = a.alloc(0, movable(0))!;
  a.drain(0); // 14 pages go back as fragments; 2 are still allocated
  let s = a.stats();
  assert.deepEqual([s.pcp.ownedPageblocks, s.pcp.handovers, s.pcp.cachedPages], [1, 0, 0]);
  assert.deepEqual(a.buddyinfo(), [0, 1, 1, 1, 3]);
  // Both pages freed remotely, queued for CPU 0; its drain takes them in (merged into an
  // order-1 block on the CPU), returns that, and the zone merges it to order 4: handover.
  a.free(p, { cpu: 1 });
  a.free(q, { cpu: 1 });
  const before = s.pcp.zoneMerges;
  a.drain(0);
  s = a.stats();
  assert.deepEqual([s.pcp.ownedPageblocks, s.pcp.handovers, s.pcp.cpuMerges, s.pcp.zoneMerges - before], [0, 1, 1, 3]);
  assert.deepEqual(a.buddyinfo(), [0, 0, 0, 0, 4]);
  a.check();
});

test('pcp buddy: the four refill phases, each only when the ones before it cannot serve', () => {
  const a = zone('buddy');
  const phases = () => a.stats().pcp.refillPages;
  // Phase 1: a whole free pageblock is claimed.
  assert.equal(a.alloc(0, movable(0)), 0);
  assert.deepEqual(phases(), [0, 16, 0, 0]);
  // Phase 0: after a drain, CPU 0 recovers its own pageblock's 15 fragments instead of claiming another.
  a.drain(0);
  assert.equal(a.alloc(0, movable(0)), 1);
  assert.deepEqual(phases(), [15, 16, 0, 0]);
  // CPU 1 claims the other three pageblocks (the last two whole, for callers: nr_pcp_alloc takes
  // at least two blocks, so one refill claims both), then drains the fragments of the first: the
  // zone has 15 free pages, no whole pageblock.
  assert.equal(a.alloc(0, movable(1)), 16);
  const refills = a.stats().pcp.refills;
  assert.deepEqual([a.alloc(4, movable(1)), a.alloc(4, movable(1))].sort(), [32, 48]);
  assert.equal(a.stats().pcp.refills, refills + 1);
  a.drain(1);
  assert.deepEqual(phases(), [15, 64, 0, 0]);
  assert.deepEqual(a.buddyinfo(), [1, 1, 1, 1, 0]);
  // CPU 0, after a quiet spell (alloc_factor 0: its next refill wants one batch, 4 pages), uses up
  // its 14 cached pages, then its refill finds no fragment and no pageblock: phase 2 takes the
  // largest chunk of the type (order 3 at 24) and splits it.
  assert.equal(a.warmPcp(0, 0, { blocks: 0 }), 0);
  for (let i = 0; i < 14; i++) assert.equal(a.alloc(0, movable(0)), 2 + i);
  assert.equal(a.alloc(0, movable(0)), 24);
  assert.deepEqual(phases(), [15, 64, 8, 0]);
  // A chunk of CPU 1's pageblock: freeing it on CPU 0 routes it to CPU 1.
  a.free(24, { cpu: 0 });
  assert.equal(a.stats().pcp.remoteFrees, 1);
  // Phase 3: no unmovable pages anywhere, so only __rmqueue's fallback can serve.
  const u = a.alloc(0, { migratetype: 'unmovable', cpu: 0 });
  assert.notEqual(u, undefined);
  const [p0, p1, p2, p3] = phases();
  assert.deepEqual([p0, p1, p2], [15, 64, 8]);
  assert.ok(p3! >= 1, `phase 3 got ${p3} pages`);
  a.check();
});

test('pcp buddy: when the zone is empty, other CPUs are drained one at a time, only as much as needed', () => {
  const run = (pcp: 'classic' | 'buddy') => {
    const a = zone(pcp, { cpus: 3 });
    a.alloc(0, movable(1));
    a.alloc(0, movable(2));
    while (a.freePages > 0) a.alloc(0, movable(1));
    const cached = a.stats().pcp.cachedPerCpu;
    const pfn = a.alloc(0, movable(0));
    assert.notEqual(pfn, undefined);
    a.check();
    return { cached, after: a.stats().pcp.cachedPerCpu };
  };
  const buddy = run('buddy');
  assert.deepEqual(buddy.cached, [0, 15, 15]);
  assert.deepEqual(buddy.after, [0, 7, 15], 'CPU 1 gave its largest block (8 pages); CPU 2 kept everything');
  const classic = run('classic');
  assert.ok(classic.cached[1]! > 0 && classic.cached[2]! > 0);
  assert.deepEqual(classic.after, [0, 0, 0], 'classic drains every CPU (drain_all_pages)');
});

test('pcp classic: batch refill under one lock, frees to the freeing CPU, drain of batch pages over high', () => {
  const a = zone('classic', { pcpHigh: 6 });
  const pages: number[] = [];
  for (let i = 0; i < 8; i++) pages.push(a.alloc(0, movable(0))!);
  assert.deepEqual(pages, [0, 1, 2, 3, 4, 5, 6, 7], 'rmqueue_bulk adds at the tail, allocation takes the head');
  let s = a.stats();
  assert.deepEqual([s.zoneLock.acquisitions, s.zoneLock.pagesMoved, s.pcp.zoneBlocks, s.pcp.refills, s.pcp.refillPages[3]], [2, 8, 8, 2, 8]);
  for (const p of pages) a.free(p, { cpu: 1 });
  s = a.stats();
  // The 7th free pushed CPU 1 over high (7 > 6): its 4 coldest pages (0..3, the list tail) went
  // back under one lock, merging 0+1, 2+3, then the two pairs: 3 merges in the zone.
  assert.deepEqual(s.pcp.cachedPerCpu, [0, 4]);
  assert.deepEqual([s.pcp.drains, s.zoneLock.acquisitions, s.zoneLock.pagesMoved, s.pcp.zoneMerges, s.pcp.remoteFrees], [1, 3, 12, 3, 0]);
  assert.equal(a.buddyinfo()[2], 1);
  a.check();
});

test('allocContig drains only the cached pages in its way', () => {
  for (const pcp of ['classic', 'buddy'] as const) {
    const moved: number[] = [];
    const a = zone(pcp, { onMigrate: (from) => moved.push(from) });
    const p = a.alloc(0, movable(0))!; // pageblock 0 (buddy: claimed; classic: pages 1..3 cached)
    a.alloc(0, { cpu: 1 }); // unmovable: claims pageblock 1, CPU 1 caches pages there
    const cpu1 = a.stats().pcp.cachedPerCpu[1]!;
    assert.ok(cpu1 > 0);
    // A window clear of caches: nothing drained.
    assert.equal(a.allocContig(16, { start: 32, end: 64 }), 32);
    assert.equal(a.stats().pcp.drains, 0);
    // Pageblock 0 holds CPU 0's cached pages and page p: those are drained, p migrates, CPU 1 keeps its pages.
    assert.equal(a.allocContig(16, { start: 0, end: 16 }), 0);
    const s = a.stats().pcp;
    assert.deepEqual(moved, [p]);
    assert.deepEqual(s.cachedPerCpu, [0, cpu1], pcp);
    a.check();
  }
});

test('pcp tuning: zone_batchsize and the options', () => {
  assert.equal(defaultBatch(688128), 63); // the recording machine's Normal zone: batch 63
  assert.equal(defaultBatch(1 << 16), 15);
  assert.equal(defaultBatch(64), 1);
  const a = new PageAllocator({ pages: 1 << 18, cpus: 2, pcp: 'classic' });
  assert.deepEqual([a.stats().pcp.batch, a.stats().pcp.high], [63, 2048]);
});

function rejects(a: PageAllocator, fn: () => unknown, code: string, mention: RegExp): void {
  const before = JSON.stringify([a.stats(), a.pagetypeinfo()]);
  assert.throws(fn, (e: unknown) => e instanceof KallocError && e.code === code && mention.test(e.message));
  assert.equal(JSON.stringify([a.stats(), a.pagetypeinfo()]), before, 'state changed by a rejected call');
  a.check();
}

test('pcp errors: cpu out of range, cached or freed pages, bad tuning', () => {
  for (const pcp of ['classic', 'buddy'] as const) {
    const a = zone(pcp, { cpus: 4 });
    const p = a.alloc(0, movable(3))!;
    const cachedPfn = p + 1; // the refill cached p's neighbours on CPU 3
    rejects(a, () => a.alloc(0, { cpu: 4 }), 'EINVAL', /cpu = 4/);
    rejects(a, () => a.alloc(0, { cpu: 1.5 }), 'EINVAL', /cpu = 1.5/);
    rejects(a, () => a.free(p, { cpu: -1 }), 'EINVAL', /cpu = -1/);
    rejects(a, () => a.drain(4), 'EINVAL', /cpu = 4/);
    rejects(a, () => a.free(cachedPfn, { cpu: 3 }), 'EFAULT', new RegExp(`pfn = ${cachedPfn}: is held by the allocator`));
    a.free(p, { cpu: 0 });
    rejects(a, () => a.free(p, { cpu: 3 }), 'EFAULT', new RegExp(`pfn = ${p}: is held by the allocator`));
  }
  for (const [options, mention] of [
    [{ pcpBatch: 0 }, /pcpBatch = 0/],
    [{ pcpBatch: 2.5 }, /pcpBatch = 2.5/],
    [{ pcpHigh: -1 }, /pcpHigh = -1/],
    [{ pcpHigh: '10' }, /pcpHigh = "10"/],
  ] as const) {
    assert.throws(() => new PageAllocator({ pages: 64, pcp: 'buddy', ...(options as object) }), (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && mention.test(e.message));
  }
});
