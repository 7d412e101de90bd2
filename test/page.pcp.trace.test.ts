import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { readFtrace } from '../packages/kalloc/src/trace/ftrace.ts';
import type { TraceEvent } from '../packages/kalloc/src/trace/events.ts';
import { KERNEL, loadTrace, replayPages } from '../packages/lab/src/replay/index.ts';
import { pcpTraceScenario } from '../packages/lab/src/scenarios/pcp-trace.ts';

const FIXTURE = new URL('../packages/lab/data/kmem-pages-real.trace.gz', import.meta.url);

async function fixtureEvents(): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  for await (const e of readFtrace(createReadStream(FIXTURE).pipe(createGunzip()))) events.push(e);
  return events;
}

async function* fromArray(events: TraceEvent[]): AsyncGenerator<TraceEvent> {
  yield* events;
}

// Read once, shared by the tests.
const eventsRead = fixtureEvents();
const traceLoaded = eventsRead.then((events) => loadTrace(fromArray(events)));

test('pcp trace fixture: kernel refill/drain batches and batched-free echoes match an independent tally', async () => {
  const events = await eventsRead;
  // Batches: runs of zone_locked or pcpu_drain events on one CPU, nothing else between them there.
  const last = new Map<number, string>();
  let refills = 0, drains = 0;
  // Echoes: an mm_page_free followed, for its page, by an mm_page_free_batched.
  const lastWasFree = new Set<number>();
  let echoes = 0;
  for (const e of events) {
    if (last.get(e.cpu) !== e.kind) {
      if (e.kind === 'zone_locked') refills++;
      if (e.kind === 'pcpu_drain') drains++;
    }
    last.set(e.cpu, e.kind);
    if (e.kind === 'page_free_batched' && lastWasFree.has(e.pfn)) echoes++;
    if (e.kind === 'page_free') lastWasFree.add(e.pfn);
    else if (e.kind === 'page_alloc' || e.kind === 'page_free_batched') lastWasFree.delete(e.pfn);
  }
  const trace = await traceLoaded;
  assert.deepEqual([trace.kernel.zoneLockedBatches, trace.kernel.drainedBatches], [refills, drains]);
  assert.ok(refills > 50 && drains > 50, 'the fixture exercises both refills and drains');
  const r = replayPages(trace.pages, 'classic', undefined, { high: 1344, batch: 63 });
  assert.equal(r.batchedEchoes, echoes);
  assert.ok(echoes > 10_000);
});

test('pcp trace replay: zone-lock counts are exactly the layers\' refills and drains', async () => {
  const trace = await traceLoaded;
  // Every traced order is cached (0..3), so each acquisition is a refill or a drain batch.
  assert.ok(trace.pages.order.every((o) => o <= 3));
  for (const design of ['classic', 'buddy'] as const) {
    const r = replayPages(trace.pages, design, undefined, { high: 1344, batch: 63 });
    assert.equal(r.failedAllocs, 0);
    assert.equal(r.zoneLock.acquisitions, r.pcp!.refills - r.pcpAtStart.refills + r.pcp!.drains - r.pcpAtStart.drains, design);
    assert.equal(r.pcp!.high, 1344);
  }
});

test('pcp-trace scenario: met is the claim computed from its own figures', async () => {
  const out = await pcpTraceScenario.run(pcpTraceScenario.params.quick, { quick: true, progress() {} });
  const acq = (d: string) => out.figures[d]!['zone lock acquisitions']!;
  const [classic, kernel, buddy] = [acq('classic pcp'), acq(KERNEL), acq('pcp buddy')];
  assert.deepEqual(out.claims!.map((c) => c.status === 'met'), [Math.max(classic, kernel) / Math.min(classic, kernel) <= 2, buddy < classic]);
  assert.match(out.verdict!, new RegExp(`kernel ${kernel}`));
  // Maps are drawn only where the designs differ; at the end of this trace they do not.
  const maps = out.maps ?? [];
  assert.ok(maps.length === 0 ? out.notes!.some((n) => n.startsWith('No memory map')) : maps.some((m) => JSON.stringify(m.segments) !== JSON.stringify(maps[0]!.segments)));
});
