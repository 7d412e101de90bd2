import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFtrace, readKallocTrace, parseVmallocinfo, parsePagetypeinfo, parseBuddyinfo, SkipLog } from 'kalloc';
import { lineBatches } from '../packages/kalloc/src/trace/lines.ts';
import { loadTrace, replayTrace, chooseDesigns } from '../packages/lab/src/replay/index.ts';
import { prepareOutDir } from '../packages/lab/src/report/index.ts';

const header = (cpu: number, t: number) => `  kworker-12  [00${cpu}] .....  ${t.toFixed(6)}:`;
const alloc = (t: number, fields: string) => `${header(0, t)} mm_page_alloc: page=0xffffea0000000000 ${fields} gfp_flags=GFP_KERNEL`;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('replay: an out-of-range event is skipped and counted, the rest replays', async () => {
  const lines = [
    alloc(1, 'pfn=0x1000 order=0 migratetype=0'),
    alloc(2, 'pfn=0x2000 order=11 migratetype=1'), // a kernel with a larger max order
    `${header(0, 3)} mm_page_free: page=0xffffea0000000000 pfn=0x1000 order=0`,
    `${header(0, 4)} alloc_vmap_area: va_start: 18446612682068180992 size=0 align=4096 vstart=0xffffc90000000000 vend=0xffffe8ffffffffff failed=0`,
    `${header(0, 5)} alloc_vmap_area: va_start: 18446683600570023936 size=8192 align=4096 vstart=0xffffc90000000000 vend=0xffffe8ffffffffff failed=0`,
  ];
  const skipped = new SkipLog();
  const trace = await loadTrace(readFtrace(lines.join('\n'), { skipped }), undefined, skipped);
  assert.equal(trace.pages.count, 2, 'the good page events');
  assert.equal(trace.vmap.count, 1, 'the good vmap event');
  const kinds = skipped.byKind().map((k) => k.kind).join('; ');
  assert.match(kinds, /order above the model's max order 10/);
  assert.match(kinds, /vmap_alloc size out of range/);
  const results = replayTrace(trace, chooseDesigns(['tree', 'none']), { file: 't', format: 'ftrace text', command: 'x', skipped });
  assert.equal(results.length, 2);
  // JSONL: a negative cpu, an address near 2^53.
  const jsonl = [
    JSON.stringify({ 'kalloc-trace': 1 }),
    JSON.stringify({ kind: 'page_alloc', time: 1, cpu: -1, pid: 1, pfn: 5, order: 0, migratetype: 0 }),
    JSON.stringify({ kind: 'page_alloc', time: 1, cpu: 0, pid: 1, pfn: 6, order: 0, migratetype: 0 }),
    JSON.stringify({ kind: 'vmap_alloc', time: 1, cpu: 0, pid: 1, start: 2 ** 53 - 4096, size: 8192, align: 4096, failed: false }),
  ];
  const s2 = new SkipLog();
  const t2 = await loadTrace(readKallocTrace(jsonl.join('\n'), { skipped: s2 }), undefined, s2);
  assert.equal(t2.pages.count, 1);
  assert.equal(t2.vmap.count, 0);
  assert.equal(s2.total, 2, s2.describe().join('; '));
});

test('ftrace: negative fields and field names that merely end in a known name are not read', async () => {
  const skipped = new SkipLog();
  const events = await collect(
    readFtrace(
      [
        alloc(1, 'pfn=-5 order=0 migratetype=0'),
        alloc(2, 'pfn=0x10 order=0 migratetype=-1'),
        alloc(3, 'xpfn=0x33 order=0 migratetype=0'),
        alloc(4, 'xpfn=0x33 pfn=0x44 order=0 migratetype=0'),
      ].join('\n'),
      { skipped },
    ),
  );
  assert.deepEqual(events.map((e) => (e as { pfn: number }).pfn), [0x44]);
  assert.equal(skipped.total, 3);
});

test('line reader: one long line arriving in many chunks is read in time linear in its length', { timeout: 10_000 }, async () => {
  // 32 MiB in 8 KiB chunks: the old reader re-joined and rescanned the carried line on every
  // chunk (about 64 GiB of copying: minutes; 8 MiB took 16 s); linear, it takes well under 1 s.
  const chunk = 'x'.repeat(8192);
  async function* chunks(): AsyncGenerator<string> {
    for (let i = 0; i < 4096; i++) yield chunk;
    yield '\nnext\r\n';
  }
  const batches = await collect(lineBatches(chunks()));
  const lines = batches.flat();
  assert.deepEqual(lines.map((l) => l.length), [32 << 20, 4]);
});

test('readFtrace: vmap frees before any allocation are not all held until the end', async () => {
  let produced = 0;
  let producedAtFirstEvent = -1;
  const N = 50_000;
  async function* input(): AsyncGenerator<string> {
    for (; produced < N; produced++) yield `${header(0, produced)} free_vmap_area_noflush: va_start=0x${(0xffffc90000000000n + BigInt(produced) * 8192n).toString(16)} nr_lazy=1 nr_lazy_max=32768\n`;
  }
  let events = 0;
  for await (const _ of readFtrace(input())) {
    if (events++ === 0) producedAtFirstEvent = produced;
  }
  assert.equal(events, N);
  assert.ok(producedAtFirstEvent >= 0 && producedAtFirstEvent < N / 2, `first event after ${producedAtFirstEvent} of ${N} lines`);
});

test('/proc parsers read CRLF text like LF text', () => {
  const vm = '0xffffc90000000000-0xffffc90000005000   20480 start_kernel+0x1/0x2 pages=4 vmalloc N0=4\n0xffffc90000005000-0xffffc90000007000    8192 foo+0x0/0x1 ioremap\n';
  const pt = [
    'Page block order: 9',
    'Pages per block:  512',
    '',
    'Free pages count per migrate type at order       0      1',
    'Node    0, zone   Normal, type    Unmovable      5      3',
    'Node    0, zone   Normal, type      Movable      7      1',
    '',
    'Number of blocks type     Unmovable      Movable',
    'Node 0, zone   Normal           10          20',
    '',
  ].join('\n');
  const bi = 'Node 0, zone   Normal   1 2 3\n';
  const crlf = (s: string) => s.replace(/\n/g, '\r\n');
  assert.deepEqual(parseVmallocinfo(crlf(vm)), parseVmallocinfo(vm));
  assert.equal(parseVmallocinfo(crlf(vm)).length, 2);
  assert.deepEqual(parsePagetypeinfo(crlf(pt)), parsePagetypeinfo(pt));
  assert.deepEqual(parsePagetypeinfo(crlf(pt)).zones[0]!.pageblocks, { unmovable: 10, movable: 20 });
  assert.deepEqual(parseBuddyinfo(crlf(bi)), parseBuddyinfo(bi));
});

test('--out: a directory that cannot be written fails at once, naming it', { timeout: 10_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kalloc-out-'));
  try {
    const file = path.join(dir, 'file');
    await writeFile(file, 'x');
    await assert.rejects(prepareOutDir('/proc/nope/deeper'), /--out \/proc\/nope\/deeper: cannot create \/proc\/nope/);
    await assert.rejects(prepareOutDir(path.join(file, 'sub')), /is not a directory/);
    assert.equal(await prepareOutDir(path.join(dir, 'a', 'b')), path.join(dir, 'a', 'b'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});


