import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectProcFile, inspectProcFile, vmallocMaps, zoneMap, type VmallocInspection, type ZonesInspection } from '../packages/lab/src/inspect.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('detectProcFile tells the three files apart by content', () => {
  assert.equal(detectProcFile(fixture('buddyinfo.txt')), 'buddyinfo');
  assert.equal(detectProcFile(fixture('pagetypeinfo.txt')), 'pagetypeinfo');
  assert.equal(detectProcFile(fixture('vmallocinfo.txt')), 'vmallocinfo');
  assert.equal(detectProcFile(fixture('vmallocinfo-hashed.txt')), 'vmallocinfo');
  assert.equal(detectProcFile('MemTotal: 123 kB\n'), undefined);
});

test('inspect buddyinfo: free memory, largest block and the indices per order', () => {
  const text = fixture('buddyinfo.txt');
  const r = inspectProcFile('buddyinfo', text, 4096) as ZonesInspection;
  const lines = text.split('\n').filter(Boolean);
  assert.equal(r.zones.length, lines.length);
  for (const [i, z] of r.zones.entries()) {
    const counts = lines[i]!.split(/\s+/).slice(4).filter(Boolean).map(Number);
    const pages = counts.reduce((s, n, k) => s + n * 2 ** k, 0);
    assert.equal(z.freePages, pages);
    assert.equal(z.freeBytes, pages * 4096);
    const largest = counts.findLastIndex((n) => n > 0);
    assert.equal(z.largestOrder, largest);
    for (const o of z.orders) {
      // A free block of this order or larger exists exactly when the extfrag index is -1.
      assert.equal(o.fragmentationIndex === -1, o.order <= largest);
      assert.ok(o.unusableIndex >= 0 && o.unusableIndex <= 1);
      if (o.order > 0) assert.ok(o.unusableIndex >= z.orders[o.order - 1]!.unusableIndex, 'unusable index grows with order');
    }
    assert.equal(z.orders[0]!.unusableIndex, pages > 0 ? 0 : 1);
    const map = zoneMap(z);
    assert.equal(map.segments.reduce((s, g) => s + g.end - g.start, 0), pages);
  }
});

test('inspect pagetypeinfo: per-type free pages, pageblocks and the zone span', () => {
  const r = inspectProcFile('pagetypeinfo', fixture('pagetypeinfo.txt')) as ZonesInspection;
  assert.equal(r.pageblockOrder, 9);
  for (const z of r.zones) {
    assert.equal(Object.values(z.freePagesByType!).reduce((a, b) => a + b, 0), z.freePages);
    assert.equal(z.spanPages, Object.values(z.pageblocks!).reduce((a, b) => a + b, 0) * 512);
    const map = zoneMap(z);
    assert.equal(map.end, z.spanPages);
    const notFree = map.segments.find((s) => s.state === 'not free');
    assert.equal(notFree ? notFree.end - notFree.start : 0, z.spanPages! - z.freePages);
  }
});

test('inspect vmallocinfo: totals, kinds, callers and the largest hole between areas', () => {
  const text = fixture('vmallocinfo.txt');
  const r = inspectProcFile('vmallocinfo', text) as VmallocInspection;
  const lines = text.split('\n').filter(Boolean);
  const sizes = lines.map((l) => Number(l.split(/\s+/)[1]));
  assert.equal(r.areas, lines.length);
  assert.equal(r.totalBytes, sizes.reduce((a, b) => a + b, 0));
  assert.equal(r.byKind.reduce((s, k) => s + k.bytes, 0), r.totalBytes);
  assert.equal(r.byCaller.reduce((s, c) => s + c.areas, 0), r.areas);
  assert.ok(r.byCaller.some((c) => c.caller === 'kernel_clone'));
  // The largest hole in the vmalloc range (below x86-64's kernel image and modules), from the
  // raw addresses with BigInt; the areas above it are counted apart.
  const all = lines.map((l) => l.split(/\s+/)[0]!.split('-').map((h) => BigInt(h)) as [bigint, bigint]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const spans = all.filter(([start]) => start < 0xffffffff80000000n);
  assert.equal(r.outside?.areas, all.length - spans.length);
  assert.ok(spans.length < all.length, 'the fixture has module areas');
  assert.equal(r.range?.start, `0x${spans[0]![0].toString(16)}`);
  let best = 0n;
  let reach = spans[0]![1];
  for (const [s, e] of spans) {
    if (s - reach > best) best = s - reach;
    if (e > reach) reach = e;
  }
  assert.equal(BigInt(r.largestGap.size), best);
  assert.equal(BigInt(r.largestGap.address!) - spans[0]![0], BigInt(r.largestGap.start));
  assert.equal(r.hashed, false);
  const maps = vmallocMaps(text);
  assert.ok(maps.length >= 2, 'the far-apart regions get their own strips');
  assert.equal(maps.flatMap((m) => m.segments).filter((s) => s.state !== 'free').reduce((n, s) => n + s.end - s.start, 0), r.totalBytes - r.outside!.bytes);
  for (const m of maps) assert.equal(m.origin, r.range!.start, 'maps label kernel addresses');
});

test('inspect hashed vmallocinfo: no positions, so no holes', () => {
  const r = inspectProcFile('vmallocinfo', fixture('vmallocinfo-hashed.txt')) as VmallocInspection;
  assert.equal(r.hashed, true);
  assert.equal(r.largestGap.size, 0);
  assert.equal(r.spanBytes, r.totalBytes);
});
