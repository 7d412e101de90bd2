import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { readFtrace } from '../packages/kalloc/src/trace/ftrace.ts';
import { readKallocTrace, kallocTraceLines } from '../packages/kalloc/src/trace/kalloc-trace.ts';
import { SkipLog } from '../packages/kalloc/src/trace/skips.ts';
import type { TraceEvent } from '../packages/kalloc/src/trace/events.ts';
import { chooseDesigns, KERNEL, loadTrace, replayPages, replayTrace, replayVmap } from '../packages/lab/src/replay/index.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';

const FIXTURE = new URL('../packages/lab/data/kmem-vmalloc-real.trace.gz', import.meta.url);

async function* fromArray(events: TraceEvent[]): AsyncGenerator<TraceEvent> {
  yield* events;
}

const base = { time: 1, cpu: 0, pid: 1 };
const va = (start: number, size: number): TraceEvent => ({ kind: 'vmap_alloc', ...base, start, size, align: 4096, failed: false });
const vf = (start: number): TraceEvent => ({ kind: 'vmap_free', ...base, start });

test('vmap replay: both designs hold the kernel layout; conflicts and unknown frees are counted', async () => {
  // Lowest-fit from an empty space, as a kernel would place them: 0, 8K, 16K; free 8K; 8K again.
  const events = [va(0, 8192), va(8192, 8192), va(16384, 4096), vf(8192), va(8192, 4096), vf(1 << 20), va(0, 4096), vf(16384)];
  const trace = await loadTrace(fromArray(events));
  assert.equal(trace.vmap.count, 8);
  for (const design of ['tree', 'linear']) {
    const r = replayVmap(trace.vmap, design);
    assert.equal(r.atKernel.conflicts, 1, 'va(0, 4096) overlaps the live area at 0');
    assert.equal(r.atKernel.unknownFrees, 1, 'vf(1 MiB) was never allocated');
    assert.equal(r.own.allocs, 5);
    assert.equal(r.own.sameAddress, 4, "the lowest fit is the kernel's address except for the conflicting alloc");
    assert.equal(r.end.usedBytes, 8192 + 4096);
    const busy = r.map.segments.filter((s) => s.state === 'busy').reduce((n, s) => n + s.end - s.start, 0);
    assert.equal(busy, 8192 + 4096);
  }
});

test('vmap replay: failed kernel allocations and addresses below vstart are not replayed', async () => {
  const events: TraceEvent[] = [{ ...(va(0, 4096) as Extract<TraceEvent, { kind: 'vmap_alloc' }>), failed: true }, va(-4096, 4096), vf(-4096), va(4096, 4096)];
  const trace = await loadTrace(fromArray(events));
  assert.deepEqual([trace.failedVmapAllocs, trace.vmapOutside, trace.vmap.count], [1, 2, 1]);
});

test('page replay on the real trace: every free is matched, deferred, pre-allocated or untraced', async () => {
  const events: TraceEvent[] = [];
  for await (const e of readFtrace(createReadStream(FIXTURE).pipe(createGunzip()))) events.push(e);
  const pageEvents = events.filter((e): e is Extract<TraceEvent, { pfn: number }> => e.kind === 'page_alloc' || e.kind === 'page_free' || e.kind === 'page_free_batched');
  // An independent tally of what the replay must find, by traced pfn. An mm_page_free whose
  // pfn's next event is an mm_page_free_batched is the same free, done at the second event.
  const nextKind = new Map<number, string>();
  const deferredAt = new Set<number>();
  for (let i = pageEvents.length - 1; i >= 0; i--) {
    const e = pageEvents[i]!;
    if (e.kind === 'page_free' && nextKind.get(e.pfn) === 'page_free_batched') deferredAt.add(i);
    nextKind.set(e.pfn, e.kind);
  }
  const live = new Map<number, number>();
  const seen = new Set<number>();
  // Pages a refill (mm_page_alloc_zone_locked) put on a CPU's list and nothing took since: a
  // free of one without a traced allocation was an untraced allocation from that list.
  const onList = new Set<number>();
  let deferred = 0, preallocated = 0, untraced = 0, fromRefills = 0, lost = 0, mismatched = 0, allocs = 0;
  let i = 0;
  for (const e of events) {
    if (e.kind === 'zone_locked' && e.migratetype < 3) onList.add(e.pfn);
    if (e.kind === 'pcpu_drain') onList.delete(e.pfn);
    if (e.kind !== 'page_alloc' && e.kind !== 'page_free' && e.kind !== 'page_free_batched') continue;
    if (e.kind === 'page_alloc') {
      allocs++;
      if (live.has(e.pfn)) lost++;
      live.set(e.pfn, e.order);
      onList.delete(e.pfn);
    } else if (deferredAt.has(i)) deferred++;
    else {
      if (!live.has(e.pfn)) {
        if (!seen.has(e.pfn) && onList.has(e.pfn)) fromRefills++;
        if (seen.has(e.pfn) || onList.has(e.pfn)) untraced++;
        else preallocated++;
      } else if (e.kind === 'page_free' && live.get(e.pfn) !== e.order) mismatched++;
      live.delete(e.pfn);
      onList.delete(e.pfn);
    }
    if (!deferredAt.has(i)) seen.add(e.pfn);
    i++;
  }
  assert.ok(fromRefills > 0, 'some pages freed without a traced allocation came from a refill');
  const trace = await loadTrace(fromArray(events));
  const r = replayPages(trace.pages, 'none');
  assert.equal(r.unavailable, undefined);
  assert.deepEqual(
    [r.batchedEchoes, r.preallocatedFrees, r.untracedAllocs, r.lostFrees, r.orderMismatches, r.failedAllocs],
    [deferred, preallocated, untraced, lost, mismatched, 0],
  );
  assert.ok(allocs > 10_000 && preallocated > 0);
  const livePages = [...live.values()].reduce((n, o) => n + 2 ** o, 0);
  assert.equal(r.pages - r.freePagesAtEnd, livePages, 'without a per-CPU cache, used pages = live traced pages');
  const used = r.map!.segments.filter((s) => s.state !== 'free').reduce((n, s) => n + s.end - s.start, 0);
  assert.equal(used, livePages);
  assert.ok(r.zoneLock.acquisitions >= allocs - r.failedAllocs);
});

test('page replay: a design that is not built yet is reported, not thrown', async () => {
  const trace = await loadTrace(fromArray([{ kind: 'page_alloc', ...base, pfn: 100, order: 0, migratetype: 1 }, { kind: 'page_free', ...base, pfn: 100, order: 0 }]));
  for (const design of ['classic', 'buddy'] as const) {
    const r = replayPages(trace.pages, design);
    // The page's first event is its allocation from the cache: the warm start (every design's) cached it.
    const ran = r.warmPages[0] === 1 && r.zoneLock.acquisitions === 0;
    assert.ok((r.unavailable !== undefined && /EINVAL/.test(r.unavailable)) || (r.unavailable === undefined && ran));
  }
});

test('replayTrace: scenario results with the kernel column, verdicts computed from figures', async () => {
  const lines = [];
  const events: TraceEvent[] = [
    { kind: 'page_alloc', ...base, pfn: 10, order: 1, migratetype: 0 },
    { kind: 'zone_locked', ...base, pfn: 10, order: 1, migratetype: 0 },
    { kind: 'pcpu_drain', ...base, pfn: 10, order: 0, migratetype: 0 },
    { kind: 'page_free', ...base, pfn: 10, order: 1 },
    va(0, 4096),
    vf(0),
  ];
  for await (const l of kallocTraceLines(events)) lines.push(l);
  const trace = await loadTrace(readKallocTrace(lines.join('')));
  const results = replayTrace(trace, chooseDesigns(['none', 'tree', 'linear']), { file: 't.jsonl', format: 'kalloc JSONL', command: 'npx kalloc replay t.jsonl', skipped: new SkipLog() });
  assert.deepEqual(results.map((r) => r.name), ['replay-vmalloc', 'replay-pages']);
  const [vm, pg] = results;
  // Designs by their registry labels; one vmap operation pair is far below the minimum: not measured.
  assert.deepEqual(vm!.designs, ['free-area tree', 'linear busy list']);
  // No layout: the placement claim is not measured either; no classic run: nor the fidelity claim.
  assert.deepEqual(vm!.claims.map((c) => c.status), ['not measured', 'not measured']);
  assert.match(vm!.claims[1]!.detail, /no captured layout/);
  assert.equal(vm!.met, false);
  assert.deepEqual(pg!.designs, ['no pcp', KERNEL]);
  assert.equal(pg!.figures[KERNEL]!['pages moved under zone lock'], 3);
  assert.equal(pg!.met, false);
  assert.match(pg!.verdict, /only one design/);
  assert.deepEqual(pg!.claims.map((c) => c.status), ['not measured', 'not measured']);
  assert.match(pg!.claims[1]!.detail, /classic model did not run/);
});

test('chooseDesigns: only the named designs run, across families; unknown names are EINVAL', () => {
  assert.deepEqual(chooseDesigns(['classic', 'buddy']), { vmap: [], page: ['classic', 'buddy'] });
  assert.deepEqual(chooseDesigns(['linear']), { vmap: ['linear'], page: [] });
  assert.deepEqual(chooseDesigns([]), { vmap: ['tree', 'linear', 'pools'], page: ['buddy', 'classic', 'none'] });
  assert.throws(() => chooseDesigns(['tree', 'fast']), (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && /fast/.test(e.message));
});
