/**
 * Ports of the kernel's gpu_buddy KUnit suite (drivers/gpu/tests/gpu_buddy_test.c, 12 cases),
 * run against both designs where the kernel behaviour is the same, and against the 2026 design
 * alone where the redesign changed it. Random cases use a seeded Prng in place of the suite's
 * random seed. check() runs after every phase.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuddyAllocator } from '../packages/kalloc/src/buddy/buddy-allocator.ts';
import { LegacyBuddyAllocator } from '../packages/kalloc/src/buddy/legacy-buddy-allocator.ts';
import type { BuddyAllocOptions, BuddyBlock } from '../packages/kalloc/src/buddy/api.ts';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { Prng } from '../packages/kalloc/src/core/prng.ts';
import { alignDown, alignUp, roundUpPow2 } from '../packages/kalloc/src/core/bits.ts';

type Allocator = BuddyAllocator | LegacyBuddyAllocator;
const DESIGNS = [
  { name: 'unified', make: (size: number, chunkSize?: number) => new BuddyAllocator(chunkSize ? { size, chunkSize } : { size }) },
  { name: 'legacy', make: (size: number, chunkSize?: number) => new LegacyBuddyAllocator(chunkSize ? { size, chunkSize } : { size }) },
] as const;

const K = 1024;
const M = 1024 * K;
const G = 1024 * M;
const SZ_4K = 4 * K;
const getSize = (order: number, chunk = SZ_4K): number => chunk * 2 ** order;
const total = (blocks: readonly BuddyBlock[]): number => blocks.reduce((s, b) => s + b.size, 0);

function must(mm: Allocator, size: number, opts?: BuddyAllocOptions): BuddyBlock[] {
  const blocks = mm.alloc(size, opts);
  assert.ok(blocks, `alloc(${size}, ${JSON.stringify(opts)}) must succeed`);
  return blocks;
}

function mustFail(mm: Allocator, size: number, opts?: BuddyAllocOptions): void {
  let blocks: BuddyBlock[] | undefined;
  try {
    blocks = mm.alloc(size, opts);
  } catch (e) {
    assert.ok(e instanceof KallocError && e.code === 'EINVAL', `alloc(${size}) threw ${String(e)}`);
    return;
  }
  assert.equal(blocks, undefined, `alloc(${size}, ${JSON.stringify(opts)}) must fail`);
}

function assertInvalid(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof KallocError && e.code === 'EINVAL');
}

/** Blocks are adjacent and ascending: one contiguous range. */
function assertContiguous(blocks: readonly BuddyBlock[]): void {
  for (let i = 1; i < blocks.length; i++) assert.equal(blocks[i]!.offset, blocks[i - 1]!.offset + blocks[i - 1]!.size);
}

/** After all is freed, the free blocks are exactly the roots (nothing left fragmented). */
function assertPristine(mm: Allocator): void {
  assert.equal(mm.avail, mm.size);
  const free = [...mm.freeBlocks()];
  assert.equal(free.length, mm.rootCount, `free blocks ${free.length}, roots ${mm.rootCount}`);
  mm.check();
}

for (const D of DESIGNS) {
  test(`gpu_buddy limit (2^53 bytes): ${D.name}`, () => {
    const mm = D.make(2 ** 53);
    assert.equal(mm.maxOrder, 41);
    const size = SZ_4K * 2 ** mm.maxOrder;
    const blocks = must(mm, size, { start: 0, end: size });
    assert.equal(blocks[0]!.order, mm.maxOrder);
    assert.equal(blocks[0]!.size, 2 ** 53);
    mm.free(blocks);
    assertPristine(mm);
  });

  test(`gpu_buddy optimistic: ${D.name}`, () => {
    const mmSize = SZ_4K * (2 ** 17 - 1); // one block of each order 0..16
    const mm = D.make(mmSize);
    assert.equal(mm.maxOrder, 16);
    assert.equal(mm.rootCount, 17);
    const blocks: BuddyBlock[] = [];
    for (let order = 0; order <= 16; order++) blocks.push(...must(mm, getSize(order), { minBlockSize: getSize(order) }));
    assert.equal(mm.alloc(getSize(0)), undefined, 'full');
    mm.check();
    mm.free(blocks);
    assertPristine(mm);
  });

  test(`gpu_buddy pessimistic: ${D.name}`, () => {
    const mm = D.make(SZ_4K << 16);
    assert.equal(mm.maxOrder, 16);
    const blocks: BuddyBlock[] = [];
    for (let order = 0; order < 16; order++) blocks.push(...must(mm, getSize(order), { minBlockSize: getSize(order) }));
    const last = must(mm, getSize(0));
    for (let order = 15; order >= 0; order--) assert.equal(mm.alloc(getSize(order), { minBlockSize: getSize(order) }), undefined);
    mm.check();
    mm.free(last);
    // As we free in increasing size, we make available larger blocks.
    let order = 1;
    for (const block of blocks) {
      mm.free([block]);
      const b = must(mm, getSize(order), { minBlockSize: getSize(order) });
      mm.free(b);
      order++;
    }
    const whole = must(mm, getSize(16), { minBlockSize: getSize(16) });
    mm.free(whole);
    assertPristine(mm);
  });

  test(`gpu_buddy pathological: ${D.name}`, () => {
    const mm = D.make(SZ_4K << 3);
    assert.equal(mm.maxOrder, 3);
    const blocks: BuddyBlock[] = [];
    const holes: BuddyBlock[] = [];
    for (let top = 3; top >= 1; top--) {
      if (blocks.length > 0) mm.free([blocks.shift()!]);
      for (let order = top - 1; order >= 0; order--) blocks.push(...must(mm, getSize(order), { minBlockSize: getSize(order) }));
      holes.push(...must(mm, getSize(0)));
      assert.equal(mm.alloc(getSize(top), { minBlockSize: getSize(top) }), undefined, `order ${top} must not fit`);
      mm.check();
    }
    mm.free(holes);
    // Nothing larger than blocks of chunk_size now available: a 50% fragmented mm.
    for (let order = 1; order <= 3; order++) assert.equal(mm.alloc(getSize(order), { minBlockSize: getSize(order) }), undefined);
    mm.check();
    mm.free(blocks);
    assertPristine(mm);
  });

  test(`gpu_buddy contiguous (try-harder over non-buddy neighbours): ${D.name}`, () => {
    const ps = SZ_4K;
    const mm = D.make(16 * 3 * ps); // 128K + 64K roots
    const lists: BuddyBlock[][] = [[], [], []];
    for (let i = 0; i < 48; i++) lists[i % 3]!.push(...must(mm, ps, { minBlockSize: ps }));
    const [left, middle, right] = lists as [BuddyBlock[], BuddyBlock[], BuddyBlock[]];
    const c = { contiguous: true };
    assert.equal(mm.alloc(3 * ps, c), undefined, 'full');
    mm.free(middle);
    assert.equal(mm.alloc(3 * ps, c), undefined);
    assert.equal(mm.alloc(2 * ps, c), undefined);
    mm.free(right);
    assert.equal(mm.alloc(3 * ps, c), undefined);
    const two = must(mm, 2 * ps, c);
    assertContiguous(two);
    mm.free(left);
    const three = must(mm, 3 * ps, c);
    assertContiguous(three);
    assert.equal(total(two) + total(three), 2 * ps + 3 * ps, 'the 3-page request is trimmed to 3 pages');
    mm.check();
    mm.free([...two, ...three]);
    assertPristine(mm);
  });

  test(`gpu_buddy clear part 1 and 3 (steering, fallback, merge across roots): ${D.name}`, () => {
    const ps = SZ_4K;
    const mm = D.make(SZ_4K << 12);
    assert.equal(mm.maxOrder, 12);
    mm.free(must(mm, 5 * ps, { topDown: true }), { cleared: true });
    const dirty: BuddyBlock[] = [];
    const clean: BuddyBlock[] = [];
    for (let i = 0; i < 10; i++) {
      if (i % 2 === 0) dirty.push(...must(mm, ps, { minBlockSize: ps }));
      else clean.push(...must(mm, ps, { minBlockSize: ps, clear: true }));
    }
    for (const b of clean) assert.equal(b.clear, true, 'clean block is clear');
    for (const b of dirty) assert.equal(b.clear, false, 'dirty block is dirty');
    mm.check();
    mm.free(clean, { cleared: true });
    const more = must(mm, 10 * ps, { minBlockSize: ps, clear: true }); // more than the clear supply
    assert.equal(total(more), 10 * ps);
    mm.check();
    mm.free([...more, ...dirty]);
    mm.check();

    // Part 3: two roots, cleared frees in both.
    const mm3 = D.make((SZ_4K << 12) + (SZ_4K << 10));
    assert.equal(mm3.maxOrder, 12);
    mm3.free(must(mm3, 4 * ps, { start: 0, end: SZ_4K << 12 }), { cleared: true });
    mm3.free(must(mm3, 2 * ps, { clear: true }), { cleared: true });
    mm3.free(must(mm3, ps, { start: SZ_4K << 12, end: mm3.size }), { cleared: true });
    assert.equal(mm3.avail, mm3.size);
    mm3.check();
    if (mm3 instanceof LegacyBuddyAllocator) {
      // fini force-merges; the legacy design needs it to become whole again.
      mm3.resetClear(false);
    }
    assertPristine(mm3);
  });

  test(`gpu_buddy clear part 2 (clear requests over a checkerboard): ${D.name}`, () => {
    const ps = SZ_4K;
    const mmSize = SZ_4K << 12;
    const mm = D.make(mmSize);
    const dirty: BuddyBlock[] = [];
    const clean: BuddyBlock[] = [];
    for (let i = 0; i < mmSize / ps; i++) (i % 2 === 0 ? dirty : clean).push(...must(mm, ps, { minBlockSize: ps }));
    mm.free(clean, { cleared: true });
    mm.free(dirty);
    assert.equal(mm.clearAvail, mmSize / 2);
    mm.check();
    for (let order = 1; order <= 12; order++) {
      const size = SZ_4K << order;
      const blocks = must(mm, size, { minBlockSize: size, clear: true });
      if (size !== mmSize) for (const b of blocks) assert.equal(b.clear, false, `order ${order}: no cleared ${size}-byte block exists`);
      assert.equal(total(blocks), size);
      mm.free(blocks);
      mm.check();
    }
  });

  test(`gpu_buddy clear part 4 (resetClear): ${D.name}`, () => {
    const ps = SZ_4K;
    const mm = D.make((SZ_4K << 12) + (SZ_4K << 10));
    const n = mm.size / ps;
    let blocks: BuddyBlock[] = [];
    for (let i = 0; i < n; i++) if (i % 2 === 0) blocks.push(...must(mm, ps, { minBlockSize: ps }));
    mm.free(blocks, { cleared: true });
    mm.resetClear(false);
    assert.equal(mm.clearAvail, 0);
    mm.check();
    blocks = [];
    for (let i = 0; i < n; i++) if (i % 2 === 1) blocks.push(...must(mm, ps, { minBlockSize: ps }));
    mm.free(blocks, { cleared: true });
    mm.resetClear(true);
    assert.equal(mm.clearAvail, mm.size);
    assertPristine(mm);
  });

  test(`gpu_buddy range (exact placement a-j): ${D.name}`, () => {
    const ps = SZ_4K;
    const mmSize = 16 * M;
    const exact = (mm: Allocator, start: number, size: number): BuddyBlock[] | undefined =>
      mm.alloc(size, { start, end: start + size, minBlockSize: ps });
    const inside = (blocks: readonly BuddyBlock[], start: number, end: number): void => {
      for (const b of blocks) assert.ok(b.offset >= start && b.offset + b.size <= end, `block ${b.offset} outside [${start}, ${end})`);
    };

    // (a) the whole space
    let mm = D.make(mmSize);
    let blocks = exact(mm, 0, mmSize)!;
    inside(blocks, 0, mmSize);
    assert.equal(total(blocks), mmSize);
    assert.equal(mm.avail, 0);
    assert.equal(exact(mm, 0, ps), undefined);
    mm.free(blocks);
    assert.equal(mm.avail, mmSize);
    mm.check();

    // (b) four quarters
    mm = D.make(mmSize);
    for (let i = 0; i < 4; i++) inside(exact(mm, i * 4 * M, 4 * M)!, i * 4 * M, (i + 1) * 4 * M);
    assert.equal(mm.avail, 0);
    mm.check();

    // (c) single pages at the start, the middle and the end
    mm = D.make(mmSize);
    blocks = [...exact(mm, 0, ps)!, ...exact(mm, mmSize / 2, ps)!, ...exact(mm, mmSize - ps, ps)!];
    assert.equal(total(blocks), 3 * ps);
    assert.deepEqual(blocks.map((b) => b.offset), [0, mmSize / 2, mmSize - ps]);
    mm.check();

    // (d) across roots: 4M + 2M + 1M
    mm = D.make(7 * M);
    assert.equal(mm.rootCount, 3);
    blocks = [...exact(mm, 0, 4 * M)!, ...exact(mm, 4 * M, 2 * M)!, ...exact(mm, 6 * M, M)!];
    assert.equal(mm.avail, 0);
    mm.free(blocks);
    blocks = exact(mm, 0, 7 * M)!;
    assertContiguous(blocks);
    assert.equal(mm.avail, 0);
    mm.check();

    // (e) 16 random contiguous slices, allocated in shuffled order
    const rng = new Prng(0x5eed);
    mm = D.make(mmSize);
    const bounds = [0];
    for (let i = 0; i < 15; i++) {
      const remaining = mmSize - bounds[i]!;
      const maxChunk = remaining - (15 - i) * ps;
      bounds.push(bounds[i]! + Math.max(alignUp(rng.below(maxChunk), ps), ps));
    }
    bounds.push(mmSize);
    const order = rng.shuffle([...Array(16).keys()]);
    for (const i of order) {
      const got = exact(mm, bounds[i]!, bounds[i + 1]! - bounds[i]!);
      assert.ok(got, `slice ${i}`);
      inside(got, bounds[i]!, bounds[i + 1]!);
    }
    assert.equal(mm.avail, 0);
    mm.check();

    // (f) overlapping requests fail
    mm = D.make(mmSize);
    assert.ok(exact(mm, 0, 8 * M));
    assert.equal(exact(mm, 0, 16 * M), undefined);
    assert.equal(exact(mm, 0, 8 * M), undefined);
    assert.ok(exact(mm, 8 * M, 8 * M));
    assert.equal(mm.avail, 0);
    mm.check();

    // (g) every other page
    mm = D.make(64 * K);
    for (let off = 0; off < 64 * K; off += 2 * ps) assert.ok(exact(mm, off, ps));
    assert.equal(exact(mm, 0, 2 * ps), undefined);
    assert.ok(exact(mm, ps, ps));
    mm.check();

    // (h) misaligned requests are invalid
    mm = D.make(mmSize);
    assertInvalid(() => mm.alloc(ps, { start: ps / 2, end: ps / 2 + ps, minBlockSize: ps }));
    assertInvalid(() => mm.alloc(ps + 1, { start: 0, end: ps + 1, minBlockSize: ps }));
    assertInvalid(() => mm.alloc(ps, { start: mmSize, end: mmSize + ps, minBlockSize: ps }));
    assert.equal(mm.avail, mmSize);

    // (i) the same range five times
    for (let i = 0; i < 5; i++) {
      blocks = exact(mm, 4 * M, 2 * M)!;
      inside(blocks, 4 * M, 6 * M);
      assert.equal(total(blocks), 2 * M);
      mm.free(blocks);
    }
    assert.equal(mm.avail, mmSize);
    mm.check();

    // (j) differently sized exact placements
    blocks = [...exact(mm, 0, 4 * K)!, ...exact(mm, 64 * K, 64 * K)!, ...exact(mm, M, M)!, ...exact(mm, 4 * M, 4 * M)!];
    assert.equal(total(blocks), 4 * K + 64 * K + M + 4 * M);
    mm.check();
  });

  for (const seed of [1, 2, 3]) {
    test(`gpu_buddy range_bias (seed ${seed}): ${D.name}`, () => {
      const rng = new Prng(seed);
      const bias = M;
      const ps = Math.max(SZ_4K, roundUpPow2(Math.max(1, rng.below(M))));
      const mmSize = alignDown(8 * M - 1, ps);
      const count = Math.floor(mmSize / bias);
      const r = (n: number): number => rng.below(n);

      // Phase 1: each 1 MiB window, in random order.
      let mm = D.make(mmSize, ps);
      const allocated: BuddyBlock[] = [];
      for (const i of rng.shuffle([...Array(count).keys()])) {
        const bs = i * bias;
        const be = bs + bias;
        const range = (start: number, end: number, minBlockSize: number): BuddyAllocOptions => ({ start, end, minBlockSize });
        mustFail(mm, bias + ps, range(bs, be, bias)); // internal round_up too big
        mustFail(mm, bias + ps, range(bs, be, ps)); // size too big
        mustFail(mm, bias, range(bs + ps, be, ps)); // range too small
        mustFail(mm, bias / 2, range(bs + ps, be - ps, bias / 2)); // misaligned
        mm.free(must(mm, bias, range(bs, be, bias)));
        const single = must(mm, ps, range(bs, be, bias)); // single page with internal round_up
        assert.equal(single[0]!.offset % bias, 0);
        mm.free(single);
        let rem = bias;
        const size = Math.max(alignUp(r(rem), ps), ps);
        const tmp = must(mm, size, range(bs, be, ps));
        rem -= size;
        mustFail(mm, rem + ps, range(bs, be, ps));
        if (rem > 0) {
          allocated.push(...must(mm, Math.max(alignUp(r(rem), ps), ps), range(bs, be, ps)));
          mm.free(tmp);
        } else {
          allocated.push(...tmp);
        }
        for (const b of allocated) assert.ok(b.offset >= 0 && b.offset + b.size <= mmSize);
      }
      mm.check();
      mm.free(allocated);
      assertPristine(mm);

      // Phase 2: a window that grows at random until it is the whole space.
      mm = D.make(mmSize, ps);
      let bs = alignUp(r(mmSize - ps), ps);
      let be = Math.max(alignUp(bs + r(mmSize - bs), ps), bs + ps);
      let rem = be - bs;
      const all: BuddyBlock[] = [];
      do {
        const size = Math.max(alignUp(r(rem), ps), ps);
        const got = must(mm, size, { start: bs, end: be, minBlockSize: ps });
        for (const b of got) assert.ok(b.offset >= bs && b.offset + b.size <= be);
        all.push(...got);
        rem -= size;
        do {
          const oldStart = bs;
          const oldEnd = be;
          if (bs > 0) bs -= alignUp(r(bs), ps);
          if (be !== mmSize) be += alignUp(r(mmSize - be), ps);
          rem += oldStart - bs + (be - oldEnd);
        } while (rem === 0 && (bs > 0 || be !== mmSize));
      } while (rem > 0);
      assert.equal(bs, 0);
      assert.equal(be, mmSize);
      assert.equal(mm.alloc(ps, { start: 0, end: mmSize, minBlockSize: ps }), undefined, 'full');
      mm.check();

      // Phase 3: nothing is clear, so a clear range request gets dirty blocks.
      mm = D.make(mmSize, ps);
      assert.equal(mm.clearAvail, 0);
      bs = alignUp(r(mmSize - ps), ps);
      be = Math.max(alignUp(bs + r(mmSize - bs), ps), bs + ps);
      const size = Math.max(alignUp(r(be - bs), ps), ps);
      const got = must(mm, size, { start: bs, end: be, minBlockSize: ps, clear: true });
      for (const b of got) assert.equal(b.clear, false);
      mm.check();
    });
  }

  test(`gpu_buddy fragmentation_performance shape (64 MiB instead of 4 GiB): ${D.name}`, () => {
    const mmSize = 64 * M; // the kernel's 4 GiB, scaled down 64x; same 8K@64K / 64K pattern
    const num = mmSize / (64 * K);
    let mm = D.make(mmSize);
    const clear: BuddyBlock[] = [];
    const dirty: BuddyBlock[] = [];
    let count = 0;
    for (let i = 0; i < num; i++) {
      const b = must(mm, 8 * K, { minBlockSize: 64 * K });
      assert.equal(b[0]!.offset % (64 * K), 0);
      (count % 4 === 0 || count % 4 === 3 ? clear : dirty).push(...b);
      count++;
    }
    mm.free(clear, { cleared: true });
    mm.free(dirty);
    mm.check();
    const big: BuddyBlock[] = [];
    for (let i = 0; i < num; i++) big.push(...must(mm, 64 * K, { minBlockSize: 64 * K }));
    assert.equal(mm.avail, 0);
    mm.free(big);
    mm.check();

    mm = D.make(mmSize);
    let list: BuddyBlock[] = [];
    for (let i = 0; i < num; i++) list.push(...must(mm, 8 * K, { minBlockSize: 64 * K }));
    const even: BuddyBlock[] = [];
    const rest: BuddyBlock[] = [];
    for (const b of list) (count++ % 2 === 0 ? even : rest).push(b);
    mm.free(even, { cleared: true });
    list = rest.reverse();
    mm.free(list, { cleared: true });
    assert.equal(mm.clearAvail, num * 8 * K);
    if (mm instanceof BuddyAllocator) assertPristine(mm);
    else mm.check();
  });

  test(`gpu_buddy exceeds_max_order: ${D.name}`, () => {
    const mm = D.make(8 * G + 2 * G);
    const blocks = must(mm, 9 * G, { contiguous: true });
    assert.equal(total(blocks), 9 * G);
    assertContiguous(blocks);
    assertInvalid(() => mm.alloc(9 * G, { minBlockSize: 8 * G }));
    assertInvalid(() => mm.alloc(9 * G, { minBlockSize: 8 * G, start: 0, end: mm.size }));
    assertInvalid(() => mm.alloc(9 * G, { contiguous: true, start: 0, end: mm.size }));
    assert.equal(mm.avail, G);
    mm.check();
    mm.free(blocks);
    assertPristine(mm);
  });

  test(`gpu_buddy offset_aligned_allocation: ${D.name}`, () => {
    const mm = D.make(4 * M);
    const n = (4 * M) / (256 * K);
    let blocks: BuddyBlock[] = [];
    for (let i = 0; i < n; i++) {
      const b = must(mm, 8 * K, { minBlockSize: 256 * K });
      assert.equal(b[0]!.size, 8 * K);
      assert.equal(b[0]!.offset % (256 * K), 0);
      blocks.push(...b);
    }
    mm.check();
    mm.free(blocks);
    blocks = [];
    for (let i = 0; i < n; i++) {
      const b = must(mm, 16 * K, { minBlockSize: 256 * K });
      assert.equal(b[0]!.size, 16 * K);
      assert.equal(b[0]!.offset % (256 * K), 0);
      blocks.push(...b);
    }
    mm.free(blocks.filter((_, i) => i % 2 === 0));
    for (let i = 0; i < n / 2; i++) must(mm, 16 * K, { minBlockSize: 256 * K });
    assert.equal(mm.alloc(16 * K, { minBlockSize: 256 * K }), undefined, 'no aligned offsets left');
    mm.check();
  });

  test(`gpu_buddy subtree_offset_alignment_stress: ${D.name}`, () => {
    const mm = D.make(2 * M);
    const alignments = [M, 512 * K, 256 * K, 128 * K, 64 * K, 32 * K, 16 * K, 8 * K];
    const allocated: BuddyBlock[][] = [];
    for (const a of alignments) {
      const list: BuddyBlock[] = [];
      for (let b = mm.alloc(SZ_4K, { minBlockSize: a }); b; b = mm.alloc(SZ_4K, { minBlockSize: a })) {
        assert.equal(b[0]!.offset % a, 0);
        list.push(...b);
      }
      allocated.push(list);
      assert.equal(mm.maxFreeAlignment(), Math.log2(a) - 1, `after filling ${a}-aligned offsets`);
      mm.check();
    }
    let maxAlign = -1;
    for (let i = alignments.length - 1; i >= 0; i--) {
      mm.free(allocated[i]!);
      maxAlign = Math.max(maxAlign, mm.maxFreeAlignment());
      assert.ok(maxAlign >= Math.log2(alignments[i]!), `after freeing the ${alignments[i]}-aligned blocks`);
      mm.check();
    }
    assertPristine(mm);
  });
}

// ---- where the 2026 redesign changed the outcome ----------------------------------------------

test('unified design: a checkerboard of cleared and dirty pages coalesces on free (no force-merge)', () => {
  const mm = new BuddyAllocator({ size: SZ_4K << 12 });
  const whole = must(mm, SZ_4K << 12, { start: 0, end: SZ_4K << 12 });
  assert.equal(whole.length, 1);
  mm.free(whole);
  const singles: BuddyBlock[] = [];
  for (let i = 0; i < 4096; i++) singles.push(...must(mm, SZ_4K));
  mm.free(singles.filter((b) => (b.offset / SZ_4K) % 2 === 0), { cleared: true });
  mm.free(singles.filter((b) => (b.offset / SZ_4K) % 2 === 1));
  assertPristine(mm);
  assert.equal(mm.clearAvail, (SZ_4K << 12) / 2, 'cleared pages are still known after merging');
});

test('legacy design: the same checkerboard leaves 4096 unmerged pages until force-merged', () => {
  const mm = new LegacyBuddyAllocator({ size: SZ_4K << 12 });
  const singles: BuddyBlock[] = [];
  for (let i = 0; i < 4096; i++) singles.push(...must(mm, SZ_4K));
  mm.free(singles.filter((b) => (b.offset / SZ_4K) % 2 === 0), { cleared: true });
  mm.free(singles.filter((b) => (b.offset / SZ_4K) % 2 === 1));
  assert.equal(mm.stats().orders.find((o) => o.order === 0)!.blocks, 4096);
  mm.check();
  mm.resetClear(false);
  assertPristine(mm);
});

test('unified design: clear part 2 finds cleared pairs the legacy design had to force-merge away', () => {
  const mm = new BuddyAllocator({ size: SZ_4K << 12 });
  const singles: BuddyBlock[] = [];
  for (let i = 0; i < 4096; i++) singles.push(...must(mm, SZ_4K));
  // Clear the first 64 pages as one run: an aligned cleared 256 KiB window exists.
  mm.free(singles.filter((b) => b.offset < 64 * SZ_4K), { cleared: true });
  mm.free(singles.filter((b) => b.offset >= 64 * SZ_4K));
  const b = must(mm, 256 * K, { minBlockSize: 256 * K, clear: true });
  assert.equal(b[0]!.clear, true);
  assert.equal(b[0]!.offset, 0);
  const d = must(mm, 256 * K, { minBlockSize: 256 * K });
  assert.equal(d[0]!.clear, false);
  mm.check();
});
