import { test } from 'node:test';
import { Readable } from 'node:stream';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, createGunzip, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readFtrace } from '../packages/kalloc/src/trace/ftrace.ts';
import { kallocTraceLines, readKallocTrace } from '../packages/kalloc/src/trace/kalloc-trace.ts';
import { writeKallocTrace } from '../packages/kalloc/src/node/kalloc-trace-file.ts';
import { openTrace } from '../packages/kalloc/src/node/open-trace.ts';
import { SkipLog } from '../packages/kalloc/src/trace/skips.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import type { TraceEvent } from '../packages/kalloc/src/trace/events.ts';

const FIXTURE = new URL('../packages/lab/data/kmem-vmalloc-real.trace.gz', import.meta.url);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('ftrace: the real trace recorded on this machine, streamed through gunzip', async () => {
  const text = gunzipSync(readFileSync(FIXTURE)).toString('utf8');
  const lines = text.split('\n');
  const count = (event: string) => lines.filter((l) => l.includes(` ${event}: `)).length;
  const skipped = new SkipLog();
  const events = await collect(readFtrace(createReadStream(FIXTURE).pipe(createGunzip()), { skipped }));
  const kinds = (k: TraceEvent['kind']) => events.filter((e) => e.kind === k).length;
  const failedAllocs = lines.filter((l) => / mm_page_alloc: .* pfn=0x0 /.test(l)).length;
  assert.equal(kinds('page_alloc'), count('mm_page_alloc') - failedAllocs);
  assert.equal(kinds('page_free'), count('mm_page_free'));
  assert.equal(kinds('page_free_batched'), count('mm_page_free_batched'));
  assert.equal(kinds('pcpu_drain'), count('mm_page_pcpu_drain'));
  assert.equal(kinds('zone_locked'), count('mm_page_alloc_zone_locked'));
  assert.equal(kinds('vmap_alloc'), count('alloc_vmap_area'));
  assert.equal(kinds('vmap_free'), count('free_vmap_area_noflush'));
  assert.ok(events.length > 100_000);

  // The first line's fields, read independently.
  const firstLine = lines.find((l) => l.includes(' mm_page_alloc: '))!;
  const first = events.find((e) => e.kind === 'page_alloc')!;
  const m = /-(\d+)\s+\[(\d+)\].*?(\d+\.\d+): mm_page_alloc: .*pfn=0x([0-9a-f]+) order=(\d+) migratetype=(\d+)/.exec(firstLine)!;
  assert.deepEqual(first, {
    kind: 'page_alloc', pid: Number(m[1]), cpu: Number(m[2]), time: Number(m[3]),
    pfn: parseInt(m[4]!, 16), order: Number(m[5]), migratetype: Number(m[6]),
  });

  // vmap addresses are rebased to the first vstart: the decimal va_start minus the hex vstart.
  const vmapLine = lines.find((l) => l.includes(' alloc_vmap_area: '))!;
  const [, va, size, align, vstart] = /va_start: (\d+) size=(\d+) align=(\d+) vstart=(0x[0-9a-f]+)/.exec(vmapLine)!;
  const vmap = events.find((e) => e.kind === 'vmap_alloc')!;
  assert.deepEqual(vmap.kind === 'vmap_alloc' && [vmap.start, vmap.size, vmap.align, vmap.failed], [
    Number(BigInt(va!) - BigInt(vstart!)), Number(size), Number(align), false,
  ]);
  for (const e of events) if (e.kind === 'vmap_free' || e.kind === 'vmap_alloc') assert.ok(e.start >= 0 && e.start < 2 ** 45);
});

test('ftrace: decimal pfn (older kernels), task names with spaces, tgid column, no flags column', async () => {
  const text = [
    '# tracer: nop',
    '   Web Content-4321  [001] d..1.   100.500000: mm_page_alloc: page=ffffea0000048d00 pfn=4660 order=2 migratetype=1 gfp_flags=GFP_KERNEL',
    ' kworker/u4:1-12    (   12) [000] .... 100.600000: mm_page_free: page=ffffea0000048d00 pfn=0x1234 order=2',
    '          sh-7   [003]   100.700000: mm_page_free_batched: page=0000000012345678 pfn=0x10 order=0',
    '          sh-7   [003] ..... 100.800000: mm_page_alloc_zone_locked: page=00000000aaaa pfn=0x20 order=3 migratetype=2 percpu_refill=1',
    '          sh-7   [003] ..... 100.900000: mm_page_pcpu_drain: page=00000000aaaa pfn=0x28 order=0 migratetype=0',
  ].join('\n');
  const events = await collect(readFtrace(text));
  assert.deepEqual(events, [
    { kind: 'page_alloc', time: 100.5, cpu: 1, pid: 4321, pfn: 4660, order: 2, migratetype: 1 },
    { kind: 'page_free', time: 100.6, cpu: 0, pid: 12, pfn: 0x1234, order: 2 },
    { kind: 'page_free_batched', time: 100.7, cpu: 3, pid: 7, pfn: 0x10 },
    { kind: 'zone_locked', time: 100.8, cpu: 3, pid: 7, pfn: 0x20, order: 3, migratetype: 2 },
    { kind: 'pcpu_drain', time: 100.9, cpu: 3, pid: 7, pfn: 0x28, order: 0, migratetype: 0 },
  ]);
});

test('ftrace: vmap frees before any alloc wait for the base; failed allocs are flagged', async () => {
  const vstart = 0xffffc90000000000n;
  const text = [
    `  a-1 [000] ..... 1.0: free_vmap_area_noflush: va_start=0x${(vstart + 0x5000n).toString(16)} nr_lazy=5 nr_lazy_max=32768`,
    `  a-1 [000] ..... 2.0: alloc_vmap_area: va_start: ${vstart + 0x8000n} size=8192 align=4096 vstart=0x${vstart.toString(16)} vend=0xffffe8ffffffffff failed=0`,
    `  a-1 [000] ..... 3.0: alloc_vmap_area: va_start: ${0xffffe8ffffffffffn} size=8192 align=4096 vstart=0x${vstart.toString(16)} vend=0xffffe8ffffffffff failed=1`,
  ].join('\n');
  const events = await collect(readFtrace(text));
  assert.deepEqual(events, [
    { kind: 'vmap_free', time: 1, cpu: 0, pid: 1, start: 0x5000 },
    { kind: 'vmap_alloc', time: 2, cpu: 0, pid: 1, start: 0x8000, size: 8192, align: 4096, failed: false },
    { kind: 'vmap_alloc', time: 3, cpu: 0, pid: 1, start: Number(0xffffe8ffffffffffn - vstart), size: 8192, align: 4096, failed: true },
  ]);
  // With no alloc at all, frees are rebased to the lowest freed address.
  const only = await collect(readFtrace(`  a-1 [000] ..... 1.0: free_vmap_area_noflush: va_start=0xffffc90000003000 nr_lazy=1 nr_lazy_max=2\n  a-1 [000] ..... 1.5: free_vmap_area_noflush: va_start=0xffffc90000001000 nr_lazy=1 nr_lazy_max=2`));
  assert.deepEqual(only.map((e) => e.kind === 'vmap_free' && e.start), [0x2000, 0]);
});

test('ftrace: unknown, malformed and lost lines are counted by kind with line numbers', async () => {
  const skipped = new SkipLog();
  const text = [
    '# comment',
    '  a-1 [000] ..... 1.0: sched_switch: prev_comm=a',
    '  a-1 [000] ..... 1.1: mm_page_free: page=00 pfn=zz order=0',
    'CPU:1 [LOST 42 EVENTS]',
    '  a-1 [000] ..... 1.2: sched_switch: prev_comm=b',
    '  a-1 [000] ..... 1.3: mm_page_alloc: page=(null) pfn=0x0 order=0 migratetype=0 gfp_flags=GFP_KERNEL',
    '',
    'total nonsense',
  ].join('\n');
  const events = await collect(readFtrace(text, { skipped }));
  assert.equal(events.length, 0);
  assert.equal(skipped.total, 6);
  const kinds = Object.fromEntries(skipped.byKind().map((k) => [k.kind, k.examples.map((e) => e.line)]));
  assert.deepEqual(kinds, {
    'unknown event sched_switch': [2, 5],
    'malformed mm_page_free': [3],
    'lost events (ring buffer overrun)': [4],
    'failed mm_page_alloc (no page)': [6],
    'unrecognised line': [8],
  });
});

test('ftrace: chunk boundaries anywhere give the same events (CRLF too)', async () => {
  const text = gunzipSync(readFileSync(FIXTURE)).toString('utf8').split('\n').slice(0, 400).join('\r\n');
  const whole = await collect(readFtrace(text));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(text.length), { maxLength: 12 }), async (cuts) => {
      const points = [...new Set([0, ...cuts.sort((a, b) => a - b), text.length])];
      const chunks = points.slice(1).map((p, i) => Buffer.from(text.slice(points[i], p)));
      assert.deepEqual(await collect(readFtrace(chunks)), whole);
    }),
    { numRuns: 20 },
  );
});

const arbEvent: fc.Arbitrary<TraceEvent> = fc.oneof(
  fc.record({ kind: fc.constant('page_alloc' as const), time: fc.double({ min: 0, max: 1e6, noNaN: true }), cpu: fc.nat(255), pid: fc.nat(), pfn: fc.nat(), order: fc.nat(10), migratetype: fc.nat(5) }),
  fc.record({ kind: fc.constant('page_free' as const), time: fc.double({ min: 0, max: 1e6, noNaN: true }), cpu: fc.nat(255), pid: fc.nat(), pfn: fc.nat(), order: fc.nat(10) }),
  fc.record({ kind: fc.constant('page_free_batched' as const), time: fc.double({ min: 0, max: 1e6, noNaN: true }), cpu: fc.nat(255), pid: fc.nat(), pfn: fc.nat() }),
  fc.record({ kind: fc.constant('vmap_alloc' as const), time: fc.double({ min: 0, max: 1e6, noNaN: true }), cpu: fc.nat(255), pid: fc.nat(), start: fc.nat(), size: fc.nat(), align: fc.nat(), failed: fc.boolean() }),
  fc.record({ kind: fc.constant('vmap_free' as const), time: fc.double({ min: 0, max: 1e6, noNaN: true }), cpu: fc.nat(255), pid: fc.nat(), start: fc.nat() }),
);

test('kalloc trace: write then read round-trips every event', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(arbEvent, { maxLength: 50 }), async (generated) => {
      const events = generated.map((e) => ({ ...e })); // fast-check records have no prototype
      const lines = await collect(kallocTraceLines(events, { source: 'test' }));
      assert.match(lines[0]!, /^\{"kalloc-trace":1,"source":"test"\}\n$/);
      assert.deepEqual(await collect(readKallocTrace(lines.join(''))), events);
    }),
    { numRuns: 50 },
  );
});

test('kalloc trace: bad lines are skipped by kind; a missing header or another version is an error', async () => {
  const skipped = new SkipLog();
  const text = [
    '{"kalloc-trace":1}',
    '{"kind":"page_free","time":1,"cpu":0,"pid":1,"pfn":5,"order":0}',
    '{"kind":"page_free","time":1,"cpu":0,"pid":1,"pfn":"5","order":0}',
    '{"kind":"nope"}',
    '{oops',
    '[1]',
    '{"kind":"vmap_alloc","time":1,"cpu":0,"pid":1,"start":0,"size":1,"align":1,"failed":0}',
  ].join('\n');
  const events = await collect(readKallocTrace(text, { skipped }));
  assert.deepEqual(events, [{ kind: 'page_free', time: 1, cpu: 0, pid: 1, pfn: 5, order: 0 }]);
  assert.deepEqual(
    Object.fromEntries(skipped.byKind().map((k) => [k.kind, k.examples.map((e) => e.line)])),
    { 'malformed page_free': [3], 'unknown kind "nope"': [4], 'malformed JSON': [5], 'not an event object': [6], 'malformed vmap_alloc': [7] },
  );
  await assert.rejects(collect(readKallocTrace('{"kind":"page_free"}\n')), /not a \{"kalloc-trace":1\} header/);
  await assert.rejects(collect(readKallocTrace('{"kalloc-trace":2}\n')), /version 2 is not supported/);
  await assert.rejects(collect(readKallocTrace('')), /empty input/);
});

test('openTrace: detects gzip by magic bytes and the format by the first line', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-trace-'));
  try {
    const events: TraceEvent[] = [{ kind: 'vmap_free', time: 1, cpu: 0, pid: 2, start: 4096 }];
    const jsonl = path.join(dir, 'a.data');
    await writeKallocTrace(jsonl, events, { source: 'test' });
    const gzJsonl = path.join(dir, 'b.txt');
    await writeFile(gzJsonl, gzipSync(readFileSync(jsonl)));
    for (const [file, compressed] of [[jsonl, false], [gzJsonl, true]] as const) {
      const t = await openTrace(file);
      assert.deepEqual([t.format, t.compressed], ['kalloc', compressed]);
      assert.deepEqual(await collect(t.events), events);
      assert.equal(t.header?.source, 'test');
    }
    const ft = await openTrace(new URL(FIXTURE).pathname);
    assert.deepEqual([ft.format, ft.compressed], ['ftrace', true]);
    let n = 0;
    for await (const _ of ft.events) if (++n > 10) break;
    assert.equal(n, 11);
    await assert.rejects(openTrace(path.join(dir, 'missing')), /ENOENT/);
    // A stream (standard input) is sniffed once and read whole, gzip or not.
    for (const bytes of [readFileSync(jsonl), gzipSync(readFileSync(jsonl))]) {
      const t = await openTrace(Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]));
      assert.equal(t.format, 'kalloc');
      assert.deepEqual(await collect(t.events), events);
    }
    // Other compressed formats are named by their magic bytes, with the command that reads them.
    const magic = { xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], zstd: [0x28, 0xb5, 0x2f, 0xfd], bzip2: [0x42, 0x5a, 0x68, 0x39] };
    for (const [name, bytes] of Object.entries(magic)) {
      const file = path.join(dir, `trace.${name}`);
      await writeFile(file, Buffer.from([...bytes, 1, 2, 3]));
      await assert.rejects(openTrace(file), (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' &&
        e.message.includes(`${file}: ${name}-compressed`) && e.message.includes(`${name} -dc ${file} | kalloc replay -`));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
