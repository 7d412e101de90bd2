import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { PageAllocator } from '../packages/kalloc/src/page/page-allocator.ts';
import { readFtrace } from '../packages/kalloc/src/trace/ftrace.ts';
import { parseZoneinfo } from '../packages/kalloc/src/trace/zoneinfo.ts';
import type { TraceEvent } from '../packages/kalloc/src/trace/events.ts';
import { chooseDesigns, loadTrace, pcpTuningFromZoneinfo, replayPages, replayTrace, replayVmap } from '../packages/lab/src/replay/index.ts';
import { SkipLog } from '../packages/kalloc/src/trace/skips.ts';

const DATA = new URL('../packages/lab/data/', import.meta.url);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* fromArray(events: TraceEvent[]): AsyncGenerator<TraceEvent> {
  yield* events;
}

test('parseZoneinfo: the shipped snapshots, against an independent reading of the text', () => {
  for (const name of ['gzip-defaults.zoneinfo', 'gzip-pinned.zoneinfo']) {
    const text = readFileSync(new URL(name, DATA), 'utf8');
    const zones = parseZoneinfo(text);
    assert.deepEqual(zones.map((z) => z.zone), [...text.matchAll(/^Node \d+, zone\s+(\S+)/gm)].map((m) => m[1]));
    const normal = zones.find((z) => z.zone === 'Normal')!;
    const section = text.slice(text.indexOf('zone   Normal'), text.indexOf('zone  Movable'));
    const field = (re: RegExp) => Number(re.exec(section)![1]);
    assert.equal(normal.managed, field(/^\s+managed\s+(\d+)/m));
    assert.equal(normal.high, field(/^\s+high\s+(\d+)/m));
    assert.equal(normal.freePages, field(/^\s+pages free\s+(\d+)/m));
    assert.equal(normal.startPfn, field(/start_pfn:\s+(\d+)/));
    const counts = [...section.matchAll(/count:\s+(\d+)/g)].map((m) => Number(m[1]));
    const highMax = [...section.matchAll(/high_max:\s+(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(normal.pagesets.map((p) => p.count), counts);
    assert.deepEqual(normal.pagesets.map((p) => p.highMax), highMax);
  }
});

test('parseZoneinfo: an older kernel without high_min/high_max pins high; no zone header gives nothing', () => {
  const zones = parseZoneinfo('Node 0, zone   Normal\n  pages free     10\n        min      1\n        low      2\n        high     3\n  pagesets\n    cpu: 0\n              count: 5\n              high:  186\n              batch: 31\n  start_pfn:  4096\n');
  assert.deepEqual(zones[0]!.pagesets, [{ cpu: 0, count: 5, high: 186, batch: 31, highMin: 186, highMax: 186 }]);
  assert.deepEqual([zones[0]!.high, zones[0]!.startPfn, zones[0]!.freePages], [3, 4096, 10]);
  assert.deepEqual(parseZoneinfo('pages free 10\n'), []);
});

test('readFtrace: purge_vmap_area_lazy events, and vmap addresses rebased to a given base', async () => {
  const text = [
    ' kworker/u8:1-35 [001] ..... 1404.357303: purge_vmap_area_lazy: start=0xffffc900000d4000 end=0xffffc900076e5000 num_purged=3279',
    ' sh-1 [000] ..... 1404.4: alloc_vmap_area: va_start: 18446683600570593280 size=20480 align=16384 vstart=0xffffc90000000000 vend=0xffffe8ffffffffff failed=0',
  ].join('\n');
  const events = await collect(readFtrace(text, { vmallocBase: 0xffffc90000000000n - 4096n }));
  assert.deepEqual(events.map((e) => e.kind), ['vmap_purge', 'vmap_alloc']);
  assert.equal((events[0] as Extract<TraceEvent, { kind: 'vmap_purge' }>).npurged, 3279);
  assert.equal((events[1] as Extract<TraceEvent, { kind: 'vmap_alloc' }>).start, 18446683600570593280 - 0xffffc90000000000 + 4096);
});

/** 2^14 pages, 2 CPUs, batch 4. */
function classic(extra: Record<string, unknown> = {}): PageAllocator {
  return new PageAllocator({ pages: 1 << 14, cpus: 2, pcp: 'classic', pcpBatch: 4, pcpHigh: 64, ...extra });
}

/** 2^14 pages in pageblocks of 16, 2 CPUs, batch 16: the classic lists or the pcp buddy. */
function pcpZone(pcp: 'classic' | 'buddy', extra: Record<string, unknown> = {}): PageAllocator {
  return new PageAllocator({ pages: 1 << 14, pageblockOrder: 4, cpus: 2, pcp, pcpBatch: 16, pcpHigh: 256, ...extra });
}

// The 6.18 sizing rules (pcp/sizing.ts) hold for both per-CPU designs: the pcp buddy RFC keeps
// per_cpu_pages' high, batch and free_count. Refills and drains of the pcp buddy move whole
// pageblocks of 16 here, so batches that are multiples of 16 show the same sizes.
for (const design of ['classic', 'buddy'] as const) {
  test(`6.18 sizing, ${design}: refills grow with alloc_factor until a free; drains grow with free_count`, () => {
    const a = pcpZone(design, { pcpHighMax: 8192 });
    const sizes: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < 240; i++) {
      const moved = a.zoneLockPagesMoved;
      held.push(a.alloc(0, { cpu: 0, migratetype: 'movable' })!);
      if (a.zoneLockPagesMoved > moved) sizes.push(a.zoneLockPagesMoved - moved);
    }
    // batch << alloc_factor, the factor growing by one per refill up to BATCH_SCALE_MAX (5).
    assert.deepEqual(sizes.slice(0, 4), [16, 32, 64, 128]);
    const high = a.stats().pcp.highPerCpu[0]!;
    assert.ok(high > 256, `auto-tuning raised high on refills (${high})`);
    // Many frees in a row on the allocating CPU: free_count grows, so the drains grow past a batch.
    const drained: number[] = [];
    for (const p of held) {
      const moved = a.zoneLockPagesMoved;
      a.free(p, { cpu: 0 });
      if (a.zoneLockPagesMoved > moved) drained.push(a.zoneLockPagesMoved - moved);
    }
    a.check();
    assert.ok(drained.every((n) => n >= 16), `drains ${drained}`);
    // Pinned (high_min = high_max), high never moves.
    const p = pcpZone(design);
    for (let i = 0; i < 100; i++) p.alloc(0, { cpu: 0 });
    assert.deepEqual(p.stats().pcp.highPerCpu, [256, 256]);
  });

  test(`6.18 sizing, ${design}: a free drains nr_pcp_free pages, free_count clamped to [batch, high - batch]`, () => {
    const a = pcpZone(design, { pcpHigh: 64 });
    const held: number[] = [];
    for (let i = 0; i < 200; i++) held.push(a.alloc(0, { cpu: 0, migratetype: 'movable' })!);
    a.drain();
    const drains: number[] = [];
    for (const p of held) {
      const before = a.stats().pcp.cachedPerCpu[0]!;
      const moved = a.zoneLockPagesMoved;
      a.free(p, { cpu: 0 });
      if (a.zoneLockPagesMoved > moved) drains.push(before + 1 - a.stats().pcp.cachedPerCpu[0]!);
    }
    // free_count passes high - batch = 48 before count reaches high: every drain returns at least
    // 48 pages (the pcp buddy whole blocks, so perhaps more), never the 16 of a plain batch.
    assert.ok(drains.length > 0 && drains.every((n) => n >= 48), `drains ${drains}`);
    a.check();
  });

  test(`6.18 sizing, ${design}: decay lowers an auto-tuned high by an eighth a call and drains above it`, () => {
    const a = pcpZone(design, { pcpHigh: 1000, pcpHighMin: 64, pcpHighMax: 4096 });
    assert.equal(a.warmPcp(0, 0, { migratetype: 'movable', blocks: 900, high: 1000 }), 900);
    assert.equal(a.stats().pcp.cachedPerCpu[0], 900);
    a.decayPcp(0);
    // max(count - (batch << 5), high - high / 8, high_min) = max(388, 875, 64)
    assert.equal(a.stats().pcp.highPerCpu[0], 875);
    assert.ok(a.stats().pcp.cachedPerCpu[0]! <= 875);
    for (let i = 0; i < 40; i++) a.decayPcp();
    assert.deepEqual(a.stats().pcp.highPerCpu, [64, 64]);
    assert.ok(a.stats().pcp.cachedPerCpu[0]! <= 64);
    a.check();
  });

  test(`6.18 sizing, ${design}: below the high watermark the caches shrink and a free drains`, () => {
    const a = pcpZone(design, { pcpHigh: 64, pcpHighMax: 4096, watermarkHigh: (1 << 14) - 10 });
    const held: number[] = [];
    for (let i = 0; i < 16; i++) held.push(a.alloc(0, { cpu: 0, migratetype: 'movable' })!); // free pages fall under the mark
    for (const p of held) a.free(p, { cpu: 0 });
    assert.ok(a.stats().pcp.cachedPerCpu[0]! <= 64);
    assert.equal(a.stats().pcp.highPerCpu[0], 64, 'high does not grow while the zone is below its watermark');
    a.check();
  });
}

test('PageAllocator: bad per-CPU tuning and warmPcp arguments are EINVAL, nothing changes', () => {
  const bad = (options: Record<string, unknown>, mention: RegExp) =>
    assert.throws(() => classic(options), (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && mention.test(e.message));
  bad({ pcpHigh: [10] }, /pcpHigh/);
  bad({ pcpHigh: [10, -1] }, /pcpHigh\[1\] = -1/);
  bad({ pcpHighMin: 100, pcpHighMax: 10 }, /pcpHighMax = 10/);
  bad({ watermarkHigh: 1.5 }, /watermarkHigh = 1.5/);
  bad({ watermarkHigh: -1 }, /watermarkHigh = -1/);
  bad({ pcpHighMin: -1 }, /pcpHighMin = -1/);
  bad({ pcpHighMin: '4' }, /pcpHighMin = "4"/);
  bad({ pcpHighMax: NaN }, /pcpHighMax = NaN/);
  bad({ pcpHighMn: 4 }, /options.pcpHighMn/);
  const a = classic();
  const before = JSON.stringify(a.stats());
  for (const [fn, mention] of [
    [() => a.warmPcp(2, 0, { blocks: 1 }), /cpu = 2/],
    [() => a.warmPcp(0, 0, { blocks: -1 }), /blocks = -1/],
    [() => a.warmPcp(0, 0, { blocks: 1, mt: 1 } as never), /opts.mt/],
    [() => a.warmPcp(0, 0, { blocks: 1, migratetype: 'huge' as never }), /migratetype = "huge"/],
    [() => a.warmPcp(0, 11, { blocks: 1 }), /order = 11/],
    [() => a.warmPcp(0, 0, { blocks: 1, high: -2 }), /high = -2/],
    [() => a.warmPcp(0, 0, undefined as never), /blocks = undefined/],
    [() => a.decayPcp(5), /cpu = 5/],
  ] as const) assert.throws(fn, (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && mention.test(e.message));
  assert.equal(JSON.stringify(a.stats()), before);
  assert.equal(new PageAllocator({ pages: 64, pcp: 'buddy', cpus: 2 }).warmPcp(0, 0, { blocks: 3 }), 3, 'the pcp buddy warms too');
  assert.equal(new PageAllocator({ pages: 64, pcp: 'none', cpus: 2 }).warmPcp(0, 0, { blocks: 3 }), 0, 'no cache, nothing to warm');
});

test('PageAllocator.allocBulk: pages as alloc_pages_bulk takes them, free_count left alone; bad input is EINVAL', () => {
  const run = (bulk: boolean) => {
    const a = new PageAllocator({ pages: 4096, pcp: 'classic', pcpHigh: 64, pcpBatch: 8 });
    const held: number[] = [];
    for (let i = 0; i < 300; i++) held.push(a.alloc(0)!);
    const locks = a.zoneLockAcquisitions;
    for (let round = 0; round < 10; round++) {
      held.push(...(bulk ? a.allocBulk(1) : [a.alloc(0)!]));
      for (let i = 0; i < 20; i++) a.free(held.shift()!);
    }
    a.check();
    return { a, held, locks: a.zoneLockAcquisitions - locks };
  };
  const single = run(false), bulk = run(true);
  assert.ok(bulk.locks < single.locks, `consecutive frees drain in larger batches when the allocation between was a bulk one (${bulk.locks} vs ${single.locks})`);
  const pfns = bulk.a.allocBulk(5, { migratetype: 'movable' });
  assert.equal(new Set([...pfns, ...bulk.held]).size, 5 + bulk.held.length, 'distinct live pages');
  for (const pfn of pfns) bulk.a.free(pfn);
  bulk.a.check();
  const before = JSON.stringify(bulk.a.stats());
  for (const [fn, mention] of [
    [() => bulk.a.allocBulk(0), /count = 0/],
    [() => bulk.a.allocBulk(1.5), /count = 1.5/],
    [() => bulk.a.allocBulk('2' as never), /count = "2"/],
    [() => bulk.a.allocBulk(1, { cpu: 1 }), /cpu = 1/],
    [() => bulk.a.allocBulk(1, { migratetype: 'huge' as never }), /migratetype = "huge"/],
    [() => bulk.a.allocBulk(1, { order: 1 } as never), /opts.order/],
  ] as const) assert.throws(fn, (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && mention.test(e.message));
  assert.equal(JSON.stringify(bulk.a.stats()), before, 'nothing changed');
  const small = new PageAllocator({ pages: 8 });
  assert.equal(small.allocBulk(8).length, 8);
  assert.deepEqual(small.allocBulk(3), [], 'fewer (none) when the zone runs out');
});

const base = { time: 1, pid: 1 };

test('page replay: the first divergence from the kernel names the event, CPU and both actions', async () => {
  // The kernel refilled before the second allocation; the model, warm with the first page, also
  // needs a refill there — then the kernel drains after a free where the model does not.
  const events: TraceEvent[] = [
    { kind: 'page_alloc', ...base, cpu: 0, pfn: 100, order: 0, migratetype: 1 },
    { kind: 'zone_locked', ...base, cpu: 0, pfn: 200, order: 0, migratetype: 1 },
    { kind: 'page_alloc', ...base, cpu: 0, pfn: 200, order: 0, migratetype: 1 },
    { kind: 'page_free', ...base, cpu: 0, pfn: 100, order: 0 },
    { kind: 'pcpu_drain', ...base, cpu: 0, pfn: 100, order: 0, migratetype: 1 },
  ];
  const trace = await loadTrace(fromArray(events));
  assert.deepEqual([...trace.pages.kernelLocks], [0, 1, 1]);
  // high auto-tuned (high_min < high_max): the start count is not read off the drains.
  const r = replayPages(trace.pages, 'classic', undefined, { high: 1000, batch: 4, highMin: 1000, highMax: 2000 });
  assert.deepEqual(r.warmPages, [1]);
  assert.equal(r.divergence?.event, 4);
  assert.equal(r.divergence?.cpu, 0);
  assert.match(r.divergence!.kernel, /drained 1 pages/);
  assert.match(r.divergence!.model, /kept the page/);
  assert.equal(r.lockAgreement, 2 / 3);
});

test('page replay: pages taken from a list without a traced allocation leave that CPU\'s list in list order', async () => {
  // CPU 1 refills A B C D; A and D are allocated with events, B and C by an untraced bulk
  // allocation (between A and D, in list order), then freed on CPU 0.
  const [A, B, C, D] = [400, 401, 402, 403];
  const events: TraceEvent[] = [
    ...[A, B, C, D].map((pfn): TraceEvent => ({ kind: 'zone_locked', ...base, cpu: 1, pfn, order: 0, migratetype: 0 })),
    { kind: 'page_alloc', ...base, cpu: 1, pfn: A, order: 0, migratetype: 0 },
    { kind: 'page_alloc', ...base, cpu: 1, pfn: D, order: 0, migratetype: 0 },
    { kind: 'page_free', ...base, cpu: 0, pfn: B, order: 0 },
    { kind: 'page_free', ...base, cpu: 0, pfn: C, order: 0 },
  ];
  const trace = await loadTrace(fromArray(events));
  const r = replayPages(trace.pages, 'classic', undefined, { high: [100, 100], batch: 4 });
  assert.equal(r.untracedAllocs, 2);
  assert.equal(r.preallocatedFrees, 0);
  assert.deepEqual(r.pcp!.cachedPerCpu, [2, 0], "CPU 1's refill was used up, B and C went to CPU 0");
  assert.equal(r.divergence, undefined, 'the model refilled where the kernel did, and only there');
  assert.equal(r.traced.acquisitions, 1);
  // The fidelity claim of the replay, judged on the same figures: 1 vs 1 acquisition, 4 vs 4 pages.
  const ctx = { file: 't', format: 'test', command: 'test', skipped: new SkipLog(), pcp: { high: [100, 100], batch: 4 } };
  const [pages] = replayTrace(trace, chooseDesigns(['classic']), ctx);
  assert.equal(pages!.claims.at(-1)!.status, 'met', pages!.claims.at(-1)!.detail);
  // One more kernel refill the model does not need: 2 vs 1 acquisitions is outside ±15%.
  const more = await loadTrace(fromArray([...events.slice(0, 4), { kind: 'zone_locked', ...base, cpu: 1, pfn: 500, order: 0, migratetype: 0 }, { kind: 'zone_locked', ...base, cpu: 1, pfn: 501, order: 0, migratetype: 0 }, ...events.slice(4)]));
  const [worse] = replayTrace(more, chooseDesigns(['classic']), ctx);
  assert.equal(worse!.claims.at(-1)!.status, 'not met', worse!.claims.at(-1)!.detail);
});

test('page replay: a refill for an untraced allocation counts at that CPU\'s next traced allocation, as the kernel\'s does', async () => {
  // CPU 1 refills A B for an untraced bulk allocation of A (freed later on CPU 0); the kernel's
  // refill events count at CPU 1's next traced allocation (B), after an allocation on CPU 0.
  const [A, B] = [400, 401];
  const events: TraceEvent[] = [
    { kind: 'zone_locked', ...base, cpu: 1, pfn: A, order: 0, migratetype: 0 },
    { kind: 'zone_locked', ...base, cpu: 1, pfn: B, order: 0, migratetype: 0 },
    { kind: 'page_alloc', ...base, cpu: 0, pfn: 300, order: 0, migratetype: 1 },
    { kind: 'page_alloc', ...base, cpu: 1, pfn: B, order: 0, migratetype: 0 },
    { kind: 'page_free', ...base, cpu: 0, pfn: A, order: 0 },
  ];
  const trace = await loadTrace(fromArray(events));
  assert.deepEqual([...trace.pages.kernelLocks], [0, 1, 0]);
  const r = replayPages(trace.pages, 'classic', undefined, { high: [100, 100], batch: 2 });
  assert.equal(r.untracedAllocs, 1);
  assert.equal(r.traced.acquisitions, 1);
  assert.equal(r.divergence, undefined, "the model's refill is CPU 1's, not CPU 0's allocation's");
  assert.equal(r.lockAgreement, 1);
});

test('page replay: with high pinned, each CPU starts with the count its first drains show', async () => {
  // The kernel drained after the free at event 4, so its cache held at least high (1000) pages
  // there: as many pages came as went since the start, so it began with 1000 (the snapshot said 5).
  const events: TraceEvent[] = [
    { kind: 'page_alloc', ...base, cpu: 0, pfn: 100, order: 0, migratetype: 1 },
    { kind: 'page_alloc', ...base, cpu: 0, pfn: 101, order: 0, migratetype: 1 },
    { kind: 'page_free', ...base, cpu: 0, pfn: 101, order: 0 },
    { kind: 'page_free', ...base, cpu: 0, pfn: 100, order: 0 },
    { kind: 'pcpu_drain', ...base, cpu: 0, pfn: 100, order: 0, migratetype: 1 },
  ];
  const trace = await loadTrace(fromArray(events));
  const pinned = replayPages(trace.pages, 'classic', undefined, { high: 1000, batch: 4, highMin: 1000, highMax: 1000, cachedAtStart: [5] });
  // 2 pages the trace shows, the rest in pageblock, order-3 ... order-0 blocks: all of them.
  assert.equal(pinned.warmPages[0], 1000);
  const tuned = replayPages(trace.pages, 'classic', undefined, { high: 1000, batch: 4, highMin: 500, highMax: 2000, cachedAtStart: [26] });
  assert.equal(tuned.warmPages[0], 26, 'auto-tuned high: the snapshot count (2 pages shown, 3 order-3 blocks)');
});

test('page replay: the warm start holds the whole count, the pages the trace never shows on lists it never allocates from', async () => {
  // CPU 0 allocates order-0 pages of every migratetype, each after a refill of its own (the
  // kernel's lists were empty), and nothing of orders 1..3. zoneinfo's count of 27 pages: 3
  // order-3 blocks + 1 order-1 block + 1 page; no order-0 list is free of traced allocations.
  const events: TraceEvent[] = [0, 1, 2].flatMap((mt): TraceEvent[] => [
    { kind: 'zone_locked', ...base, cpu: 0, pfn: 100 + 2 * mt, order: 0, migratetype: mt },
    { kind: 'zone_locked', ...base, cpu: 0, pfn: 101 + 2 * mt, order: 0, migratetype: mt },
    { kind: 'page_alloc', ...base, cpu: 0, pfn: 100 + 2 * mt, order: 0, migratetype: mt },
  ]);
  const trace = await loadTrace(fromArray(events));
  const tuning = { high: 1000, batch: 2, highMin: 500, highMax: 2000 };
  const r = replayPages(trace.pages, 'classic', undefined, { ...tuning, cachedAtStart: [27] });
  assert.deepEqual(r.warmPages, [26], 'the last page would go on a list the trace allocates from: left out');
  assert.equal(r.divergence, undefined, 'every allocation refills, as in the kernel');
  // An order-0 list that no traced allocation takes from (none of CPU 1's) holds the last page.
  const other = replayPages(trace.pages, 'classic', undefined, { ...tuning, high: [1000, 1000], cachedAtStart: [0, 27] });
  assert.deepEqual(other.warmPages, [0, 27]);
});

test('pcpTuningFromZoneinfo: the zone holding the traced pfns, per-CPU high and count', async () => {
  const zones = parseZoneinfo(readFileSync(new URL('gzip-defaults.zoneinfo', DATA), 'utf8'));
  const normal = zones.find((z) => z.zone === 'Normal')!;
  const trace = await loadTrace(fromArray([{ kind: 'page_alloc', ...base, cpu: 1, pfn: normal.startPfn + 5, order: 0, migratetype: 1 }]));
  const t = pcpTuningFromZoneinfo(zones, trace.pages)!;
  assert.deepEqual(t.high, normal.pagesets.map((p) => p.high));
  assert.deepEqual(t.cachedAtStart, normal.pagesets.map((p) => p.count));
  assert.deepEqual([t.watermarkHigh, t.freePages, t.highMax], [normal.high, normal.freePages, normal.pagesets[0]!.highMax]);
  const dma = await loadTrace(fromArray([{ kind: 'page_alloc', ...base, cpu: 0, pfn: 0, order: 0, migratetype: 1 }]));
  assert.equal(pcpTuningFromZoneinfo(zones, dma.pages), undefined, 'pfn 0 is in no zone');
});

const PAGE = 4096;
const va = (cpu: number, start: number, size: number): TraceEvent => ({ kind: 'vmap_alloc', ...base, cpu, start, size, align: PAGE, failed: false });
const vf = (cpu: number, start: number): TraceEvent => ({ kind: 'vmap_free', ...base, cpu, start });
const purge: TraceEvent = { kind: 'vmap_purge', ...base, cpu: 0, npurged: 1 };

test('vmap replay: lazy frees wait for the purge; the pools design reuses a purged area of the same size', async () => {
  // Layout: page 0 busy, page 1 lazily freed (allocated before the trace, on node 0 by its
  // address). The trace allocates 2 pages at 2, frees them, the kernel purges, then allocates 2
  // pages on the same CPU at 2 (its pool), not at 1, and 1 page on CPU 0 at 1 (node 0's pool).
  const layout = { areas: [{ start: 0, size: PAGE, lazy: false }, { start: PAGE, size: PAGE, lazy: true }] };
  const trace = await loadTrace(fromArray([va(1, 2 * PAGE, 2 * PAGE), vf(1, 2 * PAGE), purge, va(1, 2 * PAGE, 2 * PAGE), va(0, PAGE, PAGE)]));
  const tree = replayVmap(trace.vmap, 'tree', undefined, layout);
  const pools = replayVmap(trace.vmap, 'pools', undefined, layout);
  assert.equal(tree.atKernel.conflicts, 0);
  // tree: 1st at 2 (1 is lazily freed), 2nd at 1 (the purge freed pages 1..3), 3rd at 3.
  assert.deepEqual([tree.own.sameAddress, tree.own.firstMiss?.operation], [1, 4]);
  // pools: each purged area goes to its node's pool, and each later allocation takes it back.
  assert.deepEqual([pools.own.sameAddress, pools.own.poolHits, pools.own.firstMiss], [3, 2, undefined]);
});
