import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OffsetMap } from '../packages/kalloc/src/core/offset-map.ts';
import { Bitmap, findFirstAnd, findFirstAndNot } from '../packages/kalloc/src/core/bitmap.ts';
import { alignDown, alignUp, ctz, ilog2, popcount, roundDownPow2, roundUpPow2 } from '../packages/kalloc/src/core/bits.ts';
import { Prng } from '../packages/kalloc/src/core/prng.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { isPowerOfTwo, MAX_EXTENT, requireBoolean, requireExtent, requireInt, requireOptions, requirePowerOfTwo } from '../packages/kalloc/src/core/validate.ts';

const RUNS = process.env.FUZZ ? 1000 : 100;

/** Integers up to 2^53, biased to multiples of large powers of two (how offsets look). */
const offset = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.maxSafeNat(),
  fc.tuple(fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 12, max: 33 })).map(([k, s]) => k * 2 ** s),
);

test('OffsetMap agrees with Map under random set/get/delete, including deletes that shift probe runs', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'get'), fc.integer({ min: 0, max: 40 }), fc.nat()), { maxLength: 400 }), fc.array(offset, { minLength: 41, maxLength: 41 }), (ops, keys) => {
      const map = new OffsetMap(4);
      const model = new Map<number, number>();
      for (const [op, k, value] of ops) {
        const key = keys[k]!;
        if (op === 'set') {
          map.set(key, value);
          model.set(key, value);
        } else if (op === 'delete') {
          assert.equal(map.delete(key), model.get(key));
          model.delete(key);
        } else {
          assert.equal(map.get(key), model.get(key));
          assert.equal(map.has(key), model.has(key));
        }
        assert.equal(map.size, model.size);
      }
      for (const key of keys) assert.equal(map.get(key), model.get(key));
      assert.deepEqual(new Map(map.entries()), model);
      map.clear();
      assert.equal(map.size, 0);
      for (const key of keys) assert.equal(map.get(key), undefined);
    }),
    { numRuns: RUNS },
  );
});

test('OffsetMap: grows and shrinks through many entries', () => {
  const map = new OffsetMap();
  for (let i = 0; i < 5000; i++) map.set(i * 2 ** 21, i);
  assert.equal(map.size, 5000);
  const grown = map.byteLength;
  for (let i = 0; i < 5000; i += 2) assert.equal(map.delete(i * 2 ** 21), i);
  for (let i = 0; i < 5000; i++) assert.equal(map.get(i * 2 ** 21), i % 2 ? i : undefined);
  for (let i = 1; i < 5000; i += 2) map.delete(i * 2 ** 21);
  assert.equal(map.size, 0);
  // One drain keeps the table (a refill would need it again); it shrinks only after eight
  // times as many deletes as it has slots.
  assert.equal(map.byteLength, grown);
  let cycles = 1;
  for (; cycles < 40 && map.byteLength === grown; cycles++) {
    for (let i = 0; i < 5000; i++) map.set(i * 2 ** 21, i);
    for (let i = 0; i < 5000; i++) assert.equal(map.delete(i * 2 ** 21), i);
  }
  assert.equal(map.size, 0);
  assert.ok(map.byteLength < grown, `still ${map.byteLength} bytes after ${cycles} fill and drain cycles`);
});

function naiveAndNot(include: boolean[], exclude: boolean[][], from: number): number {
  for (let i = from; i < include.length; i++) if (include[i] && exclude.every((x) => !x[i])) return i;
  return -1;
}

function bitmapOf(bits: boolean[]): Bitmap {
  const b = new Bitmap(bits.length);
  bits.forEach((on, i) => b.assign(i, on));
  return b;
}

test('Bitmap: findFirst, findFirstAnd and findFirstAndNot agree with a naive scan', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }).chain((n) =>
        fc.tuple(fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: n + 40 })),
      ),
      ([maps, from]) => {
        const bitmaps = maps.map(bitmapOf);
        const [first, ...rest] = maps as [boolean[], ...boolean[][]];
        const b = bitmaps[0]!;
        assert.equal(b.findFirst(from), naiveAndNot(first, [], from));
        assert.equal(b.count(), first.filter(Boolean).length);
        assert.equal(findFirstAndNot(b, bitmaps.slice(1), from), naiveAndNot(first, rest, from));
        const all = first.map((_, i) => maps.every((m) => m[i]));
        assert.equal(findFirstAnd(bitmaps, from), naiveAndNot(all, [], from));
        for (let i = 0; i < first.length; i++) assert.equal(b.get(i), first[i]);
        assert.ok(b.equals(bitmapOf(first)));
      },
    ),
    { numRuns: RUNS },
  );
  assert.equal(findFirstAnd([]), -1);
});

test('bits: ilog2, ctz, align, pow2 rounding and popcount agree with BigInt above 2^32', () => {
  const big = fc.bigInt({ min: 1n, max: 2n ** 53n });
  fc.assert(
    fc.property(big, fc.integer({ min: 0, max: 53 }), (nb, k) => {
      const n = Number(nb);
      const log = nb.toString(2).length - 1;
      assert.equal(ilog2(n), log);
      const bin = nb.toString(2);
      assert.equal(ctz(n), bin.length - 1 - bin.lastIndexOf('1'));
      assert.equal(popcount(n), [...bin].filter((c) => c === '1').length);
      assert.equal(roundDownPow2(n), 2 ** log);
      assert.equal(roundUpPow2(n), nb === 2n ** BigInt(log) ? n : 2 ** (log + 1));
      const align = 2n ** BigInt(k);
      const down = (nb / align) * align;
      assert.equal(alignDown(n, Number(align)), Number(down));
      if (nb + align <= 2n ** 53n) assert.equal(alignUp(n, Number(align)), Number(down === nb ? nb : down + align));
    }),
    { numRuns: RUNS * 5 },
  );
  assert.equal(ctz(0), 64);
  assert.equal(popcount(0), 0);
  assert.equal(alignUp(0, 4096), 0);
});

test('Prng: deterministic per seed, different across seeds, draws stay in range', () => {
  const draw = (seed: number) => {
    const r = new Prng(seed);
    return Array.from({ length: 50 }, () => r.u32());
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  const r = new Prng(5);
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const x = r.range(-3, 3);
    assert.ok(Number.isInteger(x) && x >= -3 && x <= 3);
    seen.add(x);
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    const b = r.below(2 ** 40 + 3);
    assert.ok(Number.isInteger(b) && b >= 0 && b < 2 ** 40 + 3);
    assert.ok(r.u32() >= 0 && r.u32() < 2 ** 32);
  }
  assert.equal(seen.size, 7);
  const items = Array.from({ length: 20 }, (_, i) => i);
  assert.deepEqual([...new Prng(9).shuffle([...items])].sort((a, b) => a - b), items);
  assert.deepEqual(new Prng(9).shuffle([...items]), new Prng(9).shuffle([...items]));
  let heads = 0;
  for (let i = 0; i < 4000; i++) if (r.chance(0.25)) heads++;
  assert.ok(heads > 800 && heads < 1200, `chance(0.25) gave ${heads} of 4000`);
});

function einval(fn: () => unknown, names: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof KallocError && e.code === 'EINVAL' && names.test(e.message));
}

test('validate: extents, ints, powers of two, booleans and options objects', () => {
  assert.equal(requireExtent('n', 0), 0);
  assert.equal(requireExtent('n', MAX_EXTENT), MAX_EXTENT);
  einval(() => requireExtent('n', 0, true), /n = 0: must be greater than 0/);
  einval(() => requireExtent('n', -1), /n = -1: must not be negative/);
  einval(() => requireExtent('n', 2 ** 53 + 2), /n = 9007199254740994: must be at most 2\^53/);
  einval(() => requireExtent('n', 1.5), /n = 1\.5: must be an integer/);
  einval(() => requireExtent('n', '7'), /n = "7"/);
  einval(() => requireExtent('n', NaN), /n = NaN/);
  assert.equal(requireInt('k', 3, 0, 5), 3);
  einval(() => requireInt('k', 6, 0, 5), /k = 6: must be in \[0, 5\]/);
  einval(() => requireInt('k', 2.5, 0, 5), /k = 2\.5/);
  assert.equal(requirePowerOfTwo('a', 2 ** 40), 2 ** 40);
  einval(() => requirePowerOfTwo('a', 2 ** 40 + 2 ** 39), /must be a power of two/);
  einval(() => requirePowerOfTwo('a', 2, 4), /must be at least 4/);
  einval(() => requirePowerOfTwo('a', 0), /a = 0/);
  for (let k = 0; k <= 53; k++) assert.ok(isPowerOfTwo(2 ** k), `2^${k}`);
  for (const n of [0, 3, 6, 2 ** 33 + 1, 2 ** 52 + 2 ** 51, -4, 0.5]) assert.equal(isPowerOfTwo(n), false, String(n));
  assert.equal(requireBoolean('b', false), false);
  einval(() => requireBoolean('b', 0), /b = 0: must be a boolean/);
  assert.deepEqual(requireOptions('o', undefined, ['x']), {});
  const o = { x: 1 };
  assert.equal(requireOptions('o', o, ['x']), o);
  einval(() => requireOptions('o', null as never, ['x']), /o = null/);
  einval(() => requireOptions('o', [] as never, ['x']), /o = an array/);
  einval(() => requireOptions('o', 3 as never, ['x']), /o = 3/);
  einval(() => requireOptions('o', { x: 1, alignment: 4096 }, ['x']), /o\.alignment = 4096: is not an option/);
  assert.ok(Object.is(requireExtent('e', -0), 0) && Object.is(requireInt('i', -0, -1, 1), 0), '-0 reads as 0');
});
