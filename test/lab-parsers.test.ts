import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseBuddyinfo } from '../packages/kalloc/src/trace/buddyinfo.ts';
import { parsePagetypeinfo, totalFreeBlocks } from '../packages/kalloc/src/trace/pagetypeinfo.ts';
import { parseVmallocinfo, readVmallocinfo } from '../packages/kalloc/src/trace/vmallocinfo.ts';
import { SkipLog } from '../packages/kalloc/src/trace/skips.ts';

// The fixtures are this machine's own /proc files (captured with cat, as root; vmallocinfo with
// kptr_restrict=1 for real addresses, trimmed; vmallocinfo-hashed.txt with the default hashing).
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('buddyinfo: every zone line of the real file, 11 orders each', () => {
  const text = fixture('buddyinfo.txt');
  const skipped = new SkipLog();
  const zones = parseBuddyinfo(text, skipped);
  const lines = text.split('\n').filter((l) => l.startsWith('Node'));
  assert.equal(zones.length, lines.length);
  assert.deepEqual(
    zones.map((z) => `${z.node}/${z.zone}`),
    lines.map((l) => l.replace(/^Node (\d+), zone\s+(\S+).*$/, '$1/$2')),
  );
  for (const [i, z] of zones.entries()) {
    assert.equal(z.freeBlocks.length, 11);
    assert.deepEqual(z.freeBlocks, lines[i]!.split(/\s+/).slice(4).filter(Boolean).map(Number));
  }
  assert.equal(skipped.total, 0);
});

test('buddyinfo: stray lines are counted, not fatal', () => {
  const skipped = new SkipLog();
  const zones = parseBuddyinfo('garbage\nNode 1, zone Normal 1 2 3\nNode x, zone y\n', skipped);
  assert.deepEqual(zones, [{ node: 1, zone: 'Normal', freeBlocks: [1, 2, 3] }]);
  assert.equal(skipped.total, 2);
  assert.deepEqual(skipped.byKind()[0]!.examples.map((e) => e.line), [1, 3]);
});

test('pagetypeinfo: pageblock order, free lists per type and pageblock counts of the real file', () => {
  const text = fixture('pagetypeinfo.txt');
  const skipped = new SkipLog();
  const info = parsePagetypeinfo(text, skipped);
  assert.equal(skipped.total, 0, skipped.describe().join('\n'));
  assert.equal(info.pageblockOrder, Number(/Page block order: (\d+)/.exec(text)![1]));
  const freeLines = text.split('\n').filter((l) => /, type /.test(l));
  const zoneNames = [...new Set(freeLines.map((l) => /zone\s+(\S+),/.exec(l)![1]))];
  assert.deepEqual(info.zones.map((z) => z.zone), zoneNames);
  for (const line of freeLines) {
    const [, zone, type, counts] = /zone\s+(\S+), type\s+(\S+)(.*)$/.exec(line)!;
    const z = info.zones.find((x) => x.zone === zone)!;
    assert.deepEqual(z.freeBlocks[type!.toLowerCase()], counts!.trim().split(/\s+/).map(Number));
  }
  const head = /Number of blocks type\s+(.*)/.exec(text)![1]!.trim().split(/\s+/);
  for (const z of info.zones) {
    assert.deepEqual(Object.keys(z.pageblocks), head.map((t) => t.toLowerCase()));
    const blocksLine = text.split('\n').find((l) => new RegExp(`^Node \\d+, zone\\s+${z.zone}\\s+\\d`).test(l))!;
    assert.deepEqual(Object.values(z.pageblocks), blocksLine.split(/\s+/).slice(4).filter(Boolean).map(Number));
    assert.equal(totalFreeBlocks(z).length, 11);
  }
});

test('pagetypeinfo: capped counts (">100000") and the page_owner mixed-blocks table', () => {
  const text = [
    'Page block order: 9',
    'Pages per block:  512',
    '',
    'Free pages count per migrate type at order       0      1',
    'Node    0, zone   Normal, type      Movable >100000      7 ',
    '',
    'Number of blocks type     Unmovable      Movable ',
    'Node 0, zone   Normal            3          900 ',
    'Number of mixed blocks    Unmovable      Movable ',
    'Node 0, zone   Normal            1            2 ',
  ].join('\n');
  const info = parsePagetypeinfo(text);
  assert.deepEqual(info.zones, [
    { node: 0, zone: 'Normal', freeBlocks: { movable: [100000, 7] }, pageblocks: { unmovable: 3, movable: 900 } },
  ]);
});

test('vmallocinfo: real addresses rebased to the lowest area, sizes match, callers and kinds', () => {
  const text = fixture('vmallocinfo.txt');
  const skipped = new SkipLog();
  const { areas, hashed } = readVmallocinfo(text, skipped);
  const lines = text.split('\n').filter(Boolean);
  assert.equal(hashed, false);
  assert.equal(skipped.total, 0);
  assert.equal(areas.length, lines.length);
  assert.equal(Math.min(...areas.map((a) => a.start)), 0);
  for (const [i, a] of areas.entries()) {
    assert.equal(a.end - a.start, a.size);
    const [range, size] = lines[i]!.split(/\s+/);
    assert.equal(a.size, Number(size));
    const [s] = range!.split('-');
    assert.equal(BigInt(a.start), BigInt(s!) - BigInt(lines[0]!.split('-')[0]!));
  }
  // No two busy areas overlap (the kernel's areas are disjoint).
  const sorted = [...areas].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]!.end <= sorted[i]!.start);
  const first = lines.findIndex((l) => l.includes('kernel_clone'));
  assert.deepEqual([areas[first]!.caller, areas[first]!.kind], [lines[first]!.split(/\s+/)[2], 'vmalloc']);
  const unpurged = lines.filter((l) => l.includes('unpurged vm_area')).length;
  assert.equal(areas.filter((a) => a.kind === 'unpurged' && a.caller === '').length, unpurged);
  assert.ok(areas.some((a) => a.kind === 'ioremap'));
});

test('vmallocinfo: hashed addresses are detected and laid out back to back', () => {
  const text = fixture('vmallocinfo-hashed.txt');
  const { areas, hashed } = readVmallocinfo(text);
  assert.equal(hashed, true);
  let at = 0;
  for (const a of areas) {
    assert.equal(a.start, at);
    at += a.size;
  }
  assert.equal(parseVmallocinfo(text).length, text.split('\n').filter(Boolean).length);
});

test('vmallocinfo: vm_map_ram lines and garbage', () => {
  const skipped = new SkipLog();
  const areas = parseVmallocinfo(
    '0xffffc90000400000-0xffffc90000404000   16384 vm_map_ram\nhello\n0xffffc90000404000-0xffffc90000405000 4096 foo+0x1/0x2 pages=1 vmalloc vpages N0=1\n',
    skipped,
  );
  assert.deepEqual(areas, [
    { start: 0, end: 16384, size: 16384, caller: '', kind: 'vm_map_ram' },
    { start: 16384, end: 20480, size: 4096, caller: 'foo+0x1/0x2', kind: 'vmalloc vpages' },
  ]);
  assert.equal(skipped.total, 1);
});

test('fixtures: the real trace excerpt is under 2 MB compressed', () => {
  const gz = readFileSync(new URL('../packages/lab/data/kmem-vmalloc-real.trace.gz', import.meta.url));
  assert.ok(gz.length <= 2 * 1024 * 1024);
  assert.ok(gunzipSync(gz).length > gz.length);
});
