import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { RangeAllocator } from '../packages/kalloc/src/range/range-allocator.ts';
import { LinearRangeAllocator } from '../packages/kalloc/src/range/linear-range-allocator.ts';
import type { RangeAllocatorApi, RangeAllocatorOptions } from '../packages/kalloc/src/range/range-api.ts';

const DESIGNS = [RangeAllocator, LinearRangeAllocator];
const SPACE = { start: 4096, size: 1 << 20 };
const END = SPACE.start + SPACE.size;

/** Everything observable about an allocator, to compare before and after a rejected call. */
function snapshot(a: RangeAllocatorApi): string {
  return JSON.stringify({ areas: [...a.freeAreas()], stats: a.stats() });
}

/** A space with a few allocations and holes, so that a partial mutation would show. */
function populated(Design: (typeof DESIGNS)[number]): { a: RangeAllocatorApi; live: number[] } {
  const a = new Design(SPACE);
  const live = [a.alloc(4096)!, a.alloc(8192, { align: 65536 })!, a.alloc(100)!, a.alloc(12288)!];
  a.free(live.splice(2, 1)[0]!);
  return { a, live };
}

function expectError(fn: () => unknown, code: string, names: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KallocError, `expected a KallocError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, names);
    return true;
  });
}

const badSizes: [string, unknown][] = [
  ['zero', 0],
  ['negative', -4096],
  ['fractional', 1.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['above 2^53', 2 ** 53 + 2],
  ['a string', '4096'],
];

for (const Design of DESIGNS) {
  const name = Design.name;

  test(`${name}: constructor rejects bad spaces with EINVAL`, () => {
    const bad: [unknown, RegExp][] = [
      [undefined, /options\.size/],
      [null, /options/],
      [{ size: 0 }, /options\.size = 0/],
      [{ size: -1 }, /options\.size = -1/],
      [{ size: 10.5 }, /options\.size = 10\.5/],
      [{ size: NaN }, /options\.size = NaN/],
      [{ size: 2 ** 53 + 2 }, /options\.size/],
      [{ start: -1, size: 10 }, /options\.start = -1/],
      [{ start: 2 ** 52, size: 2 ** 52 + 2 }, /options\.size/],
    ];
    for (const [options, names] of bad) expectError(() => new Design(options as RangeAllocatorOptions), 'EINVAL', names);
    // The edge is allowed: a space ending exactly at 2^53.
    assert.equal(new Design({ start: 2 ** 52, size: 2 ** 52 }).end, 2 ** 53);
  });

  test(`${name}: alloc rejects bad sizes, alignments and windows with EINVAL and changes nothing`, () => {
    const { a } = populated(Design);
    const before = snapshot(a);
    for (const [what, size] of badSizes) {
      expectError(() => a.alloc(size as number), 'EINVAL', /^EINVAL: size = /);
      assert.equal(snapshot(a), before, `alloc with a ${what} size`);
    }
    const badOptions: [unknown, RegExp][] = [
      [{ align: 0 }, /options\.align = 0/],
      [{ align: 3 }, /options\.align = 3: must be a power of two/],
      [{ align: 6144 }, /options\.align = 6144/],
      [{ align: 0.5 }, /options\.align = 0\.5/],
      [{ align: -2 }, /options\.align = -2/],
      [{ align: NaN }, /options\.align = NaN/],
      [{ align: 2 ** 54 }, /options\.align/],
      [{ start: 8192, end: 4096 + 4096 - 1 }, /options\.start = 8192: greater than options\.end/],
      [{ start: 0 }, /options\.start = 0: outside the space/],
      [{ end: END + 1 }, /options\.end = .*outside the space/],
      [{ start: END + 4096, end: END + 8192 }, /options\.start/],
      [{ start: -1 }, /options\.start = -1/],
      [{ end: 1.25 }, /options\.end = 1\.25/],
      [5, /options = 5/],
      [null, /options = null/],
      [[], /options = an array/],
    ];
    for (const [options, names] of badOptions) {
      expectError(() => a.alloc(4096, options as never), 'EINVAL', names);
      assert.equal(snapshot(a), before, `alloc with ${JSON.stringify(options)}`);
    }
    a.check();
  });

  test(`${name}: out of space is undefined, not an error, and changes nothing`, () => {
    const { a } = populated(Design);
    const before = snapshot(a);
    assert.equal(a.alloc(SPACE.size), undefined);
    assert.equal(a.alloc(4096, { align: 2 ** 40 }), undefined);
    assert.equal(a.alloc(4096, { start: 8192, end: 8192 }), undefined);
    assert.equal(snapshot(a), before);
  });

  test(`${name}: allocAt rejects ranges outside the space with EINVAL; a busy range is false`, () => {
    const { a, live } = populated(Design);
    const before = snapshot(a);
    const bad: [unknown, unknown, RegExp][] = [
      [0, 4096, /offset = 0: outside the space/],
      [END, 1, /offset = .*outside the space/],
      [END - 4096, 8192, /size = 8192: .*ends past the space end/],
      [8192, 0, /size = 0/],
      [8192.5, 16, /offset = 8192\.5/],
      [NaN, 16, /offset = NaN/],
      [8192, -3, /size = -3/],
      [8192, 2 ** 53 + 2, /size/],
    ];
    for (const [offset, size, names] of bad) {
      expectError(() => a.allocAt(offset as number, size as number), 'EINVAL', names);
      assert.equal(snapshot(a), before, `allocAt(${offset}, ${size})`);
    }
    // Busy: the first allocation itself, a range overlapping its end, and one spanning a hole.
    assert.equal(a.allocAt(live[0]!, 4096), false);
    assert.equal(a.allocAt(live[0]! + 4095, 2), false);
    assert.equal(a.allocAt(live[0]!, SPACE.size), false);
    assert.equal(snapshot(a), before);
    a.check();
  });

  test(`${name}: free of an unknown offset or a double free is EFAULT and changes nothing`, () => {
    const { a, live } = populated(Design);
    const before = snapshot(a);
    for (const offset of [live[0]! + 1, 0, END + 4096, live[0]! + 4096 * 100]) {
      expectError(() => a.free(offset), 'EFAULT', new RegExp(`offset = ${offset}: not an allocated offset`));
      assert.equal(snapshot(a), before);
    }
    for (const [, offset] of badSizes.filter(([w]) => w !== 'zero')) {
      expectError(() => a.free(offset as number), 'EINVAL', /^EINVAL: offset = /);
      assert.equal(snapshot(a), before);
    }
    assert.equal(a.free(live[1]!), 8192);
    const afterFree = snapshot(a);
    expectError(() => a.free(live[1]!), 'EFAULT', /already freed/);
    assert.equal(snapshot(a), afterFree);
    assert.equal(a.sizeOf(live[1]!), undefined);
    a.check();
  });
}

test('check() reports corruption as ECORRUPT', () => {
  const a = new RangeAllocator(SPACE);
  a.alloc(4096);
  // Corrupt the used-bytes counter from outside, as a stray write would.
  (a as unknown as { used: number }).used += 1;
  expectError(() => a.check(), 'ECORRUPT', /usedBytes/);
  const b = new LinearRangeAllocator(SPACE);
  b.alloc(4096);
  (b as unknown as { cachedHoleSize: number }).cachedHoleSize = -1;
  b.alloc(4096, { start: 16384 }); // leaves a hole below the hint that cachedHoleSize = -1 cannot cover
  (b as unknown as { cachedHoleSize: number }).cachedHoleSize = -1;
  expectError(() => b.check(), 'ECORRUPT', /cachedHoleSize/);
});
