import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fragmentationIndex, unusableIndex } from '../packages/kalloc/src/page/fragmentation.ts';
import { PageAllocator } from '../packages/kalloc/src/page/page-allocator.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('fragmentation: hand-made cases, including the special cases', () => {
  // Nothing free: the extfrag index is 0 ("lack of memory"), the unusable index 1000.
  assert.equal(fragmentationIndex([0, 0, 0], 1), 0);
  assert.equal(unusableIndex([0, 0, 0], 1), 1000);
  // A suitable block is free: -1000. Unusable: 8 free pages, one order-2 block usable:
  // (8 - 4) * 1000 / 8 = 500.
  assert.equal(fragmentationIndex([4, 0, 1], 2), -1000);
  assert.equal(unusableIndex([4, 0, 1], 2), 500);
  // 8 order-0 + 2 order-1 blocks, order 2: 10 blocks, 12 pages, requested 4:
  // 1000 - (1000 + 12 * 1000 / 4) / 10 = 1000 - 4000 / 10 = 600; nothing usable -> 1000.
  assert.equal(fragmentationIndex([8, 2, 0, 0], 2), 600);
  assert.equal(unusableIndex([8, 2, 0, 0], 2), 1000);
  // Integer division at each step: 3 pages in 3 blocks, order 2: 1750 / 3 = 583 -> 417.
  assert.equal(fragmentationIndex([3, 0, 0], 2), 417);
  // [5, 1, 0, 0] order 3: 7 pages, 6 blocks; 7000 / 8 = 875; 1875 / 6 = 312 -> 688.
  assert.equal(fragmentationIndex([5, 1, 0, 0], 3), 688);
  // ... order 1: one order-1 block usable: (7 - 2) * 1000 / 7 = 714.
  assert.equal(unusableIndex([5, 1, 0, 0], 1), 714);
  // Order 0 with anything free: always succeeds, nothing unusable.
  assert.equal(fragmentationIndex([1], 0), -1000);
  assert.equal(unusableIndex([1, 3], 0), 0);
  // Beyond the largest order: the kernel WARNs and returns 0; nothing is usable.
  assert.equal(fragmentationIndex([1, 1], 5), 0);
  assert.equal(unusableIndex([1, 1], 5), 1000);
});

test('fragmentation: bad input is a typed error', () => {
  for (const [blocks, order] of [[[1, -1], 0], [[1.5], 0], [[1], -1], [[1], 0.5], ['x', 0]] as const) {
    assert.throws(() => fragmentationIndex(blocks as unknown as number[], order), (e: unknown) => e instanceof KallocError && e.code === 'EINVAL');
    assert.throws(() => unusableIndex(blocks as unknown as number[], order), (e: unknown) => e instanceof KallocError && e.code === 'EINVAL');
  }
});

/** "Node 0, zone   Normal  25  2762 ..." -> [zone, counts]. Only splits numbers; no parser. */
function buddyLines(text: string): [string, number[]][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('Node'))
    .map((l) => {
      const words = l.replace(',', '').split(/\s+/).filter(Boolean); // Node 0 zone NAME n0 n1 ...
      return [words[3]!, words.slice(4).map(Number)];
    });
}

/** The vmstat.c arithmetic spelled out once more, independently, for whole-fixture checks. */
function expected(blocks: number[], order: number): { frag: number; unusable: number } {
  let total = 0;
  let pages = 0;
  let suitable = 0;
  blocks.forEach((n, k) => {
    total += n;
    pages += n * 2 ** k;
    if (k >= order) suitable += n * 2 ** (k - order);
  });
  const frag = order >= blocks.length || total === 0 ? 0 : suitable > 0 ? -1000 : 1000 - Math.trunc((1000 + Math.trunc((pages * 1000) / 2 ** order)) / total);
  const unusable = pages === 0 ? 1000 : Math.trunc(((pages - suitable * 2 ** order) * 1000) / pages);
  return { frag, unusable };
}

test('fragmentation: this machine\'s /proc/buddyinfo', () => {
  const zones = buddyLines(fixture('page-buddyinfo.txt'));
  assert.ok(zones.length >= 1);
  const byName = new Map(zones);
  // Hand-checked: DMA [0 x8, 1, 1, 3] = 256 + 512 + 3072 = 3840 free pages.
  //   order 9: 1 + 3 * 2 = 7 suitable: (3840 - 3584) * 1000 / 3840 = 66; order 10: 3 -> 200.
  const dma = byName.get('DMA');
  if (dma && dma.join() === '0,0,0,0,0,0,0,0,1,1,3') {
    assert.equal(unusableIndex(dma, 9), 66);
    assert.equal(unusableIndex(dma, 10), 200);
    assert.equal(fragmentationIndex(dma, 10), -1000);
    assert.equal(fragmentationIndex(dma, 11), 0);
  }
  // Hand-checked: Normal [25 2762 3180 1985 1031 454 306 129 56 22 26] holds 153493 free pages;
  //   order 9: 22 + 26 * 2 = 74 suitable: (153493 - 37888) * 1000 / 153493 = 753;
  //   order 10: 26: (153493 - 26624) * 1000 / 153493 = 826.
  const normal = byName.get('Normal');
  if (normal && normal.join() === '25,2762,3180,1985,1031,454,306,129,56,22,26') {
    assert.equal(unusableIndex(normal, 9), 753);
    assert.equal(unusableIndex(normal, 10), 826);
    assert.equal(fragmentationIndex(normal, 9), -1000);
  }
  for (const [zone, blocks] of zones) {
    for (let order = 0; order <= blocks.length; order++) {
      const want = expected(blocks, order);
      assert.equal(fragmentationIndex(blocks, order), want.frag, `${zone} order ${order}`);
      assert.equal(unusableIndex(blocks, order), want.unusable, `${zone} order ${order}`);
    }
  }
});

test('fragmentation: this machine\'s /proc/pagetypeinfo free lists, per migratetype', () => {
  const text = fixture('page-pagetypeinfo.txt');
  const rows = text.split('\n').filter((l) => /^Node\s+\d+, zone\s+\S+, type/.test(l));
  assert.ok(rows.length >= 3);
  for (const row of rows) {
    const blocks = row.split(/\s+/).filter((w) => /^\d+$/.test(w)).map(Number); // "0," (the node) is not a bare number
    assert.equal(blocks.length, 11, row);
    for (let order = 0; order <= 10; order++) {
      const want = expected(blocks, order);
      assert.equal(fragmentationIndex(blocks, order), want.frag, `${row} order ${order}`);
      assert.equal(unusableIndex(blocks, order), want.unusable, `${row} order ${order}`);
    }
  }
});

test('fragmentation: PageAllocator methods use the zone\'s buddyinfo', () => {
  const a = new PageAllocator({ pages: 64, maxOrder: 4, pageblockOrder: 2, pcp: 'none' });
  assert.equal(a.unusableIndex(4), 0);
  assert.equal(a.fragmentationIndex(4), -1000);
  const pages: number[] = [];
  for (let i = 0; i < 64; i++) pages.push(a.alloc(0)!);
  assert.equal(a.unusableIndex(0), 1000); // nothing free
  assert.equal(a.fragmentationIndex(0), 0);
  for (let i = 0; i < 64; i += 2) a.free(pages[i]!);
  // 32 free order-0 pages: order 1: 1000 - (1000 + 32000 / 2) / 32 = 1000 - 531 = 469.
  assert.deepEqual(a.buddyinfo(), [32, 0, 0, 0, 0]);
  assert.equal(a.fragmentationIndex(1), 469);
  assert.equal(a.unusableIndex(1), 1000);
  assert.equal(a.fragmentationIndex(5), 0); // beyond maxOrder
});
