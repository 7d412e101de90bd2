/** Every bad input to the buddy allocators: the typed error, and the state unchanged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUDDY_DESIGNS, type AnyBuddyAllocator } from '../packages/kalloc/src/buddy/designs.ts';
import type { BuddyAllocatorOptions, BuddyBlock } from '../packages/kalloc/src/buddy/api.ts';
import { KallocError, type KallocErrorCode } from '../packages/kalloc/src/core/errors.ts';

const PAGE = 4096;
type Allocator = AnyBuddyAllocator;

function rejects(fn: () => unknown, code: KallocErrorCode, mention: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KallocError, `expected a KallocError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, mention);
    return true;
  });
}

function snapshot(mm: Allocator): string {
  return JSON.stringify([mm.stats(), [...mm.freeBlocks()]]);
}

// Every design of the registry: the alternatives share the core's validation, and must keep it.
for (const design of BUDDY_DESIGNS) {
  const name = design.id;
  const make = (options: BuddyAllocatorOptions): Allocator => design.create(options);
  test(`buddy errors: constructor arguments (${name})`, () => {
    for (const size of [0, -PAGE, 1.5, NaN, 2 ** 53 + 2, 2 ** 60, PAGE - 1]) {
      rejects(() => make({ size }), 'EINVAL', /options\.size/);
    }
    rejects(() => make({ size: '4096' as unknown as number }), 'EINVAL', /options\.size/);
    for (const chunkSize of [0, 2048, 6144, 1.5, -4096]) {
      rejects(() => make({ size: 1 << 20, chunkSize }), 'EINVAL', /options\.chunkSize/);
    }
    rejects(() => make(null as unknown as { size: number }), 'EINVAL', /options/);
    assert.equal(make({ size: 2 ** 53 }).size, 2 ** 53);
    assert.equal(make({ size: 3 * PAGE + 100 }).size, 3 * PAGE, 'size rounds down to the chunk');
  });

  test(`buddy errors: alloc arguments leave the state unchanged (${name})`, () => {
    const mm = make({ size: 10 << 20 }); // roots 8M + 2M, as the kernel's 8G + 2G
    const held = mm.alloc(3 * PAGE, { clear: true })!;
    mm.free(mm.alloc(5 * PAGE)!, { cleared: true });
    const before = snapshot(mm);
    const bad: [number, object | undefined, RegExp][] = [
      [0, undefined, /^EINVAL: size = 0/],
      [-PAGE, undefined, /size = -4096/],
      [1.5, undefined, /size = 1\.5/],
      // Shapes the power-of-two fast path must leave to validation (truncated: 4096, a power of two).
      [PAGE + 0.5, undefined, /size = 4096\.5/],
      ['4096' as unknown as number, undefined, /size/],
      [NaN, undefined, /size = NaN/],
      [2 ** 53 + 2, undefined, /size/],
      [PAGE + 1, undefined, /size = 4097.*multiple/],
      [32 << 20, undefined, /size = 33554432/], // beyond the allocator
      [PAGE, { minBlockSize: 3 * PAGE }, /minBlockSize = 12288.*power of two/],
      [PAGE, { minBlockSize: 2048 }, /minBlockSize = 2048/],
      [PAGE, { start: 100 }, /options\.start = 100/],
      [PAGE, { end: PAGE + 1 }, /options\.end = 4097/],
      [PAGE, { start: 0, end: 11 << 20 }, /options\.end = 11534336.*at most/],
      [PAGE, { start: 8 * PAGE, end: 4 * PAGE }, /options\.start = 32768.*must not exceed/],
      [PAGE, { start: 10 << 20, end: 10 << 20 }, /size = 4096.*overflows/],
      [2 * PAGE, { start: PAGE, end: 3 * PAGE, minBlockSize: 2 * PAGE }, /exact range/],
      [9 << 20, { minBlockSize: 8 << 20 }, /rounds up/],
      [9 << 20, { contiguous: true, start: 0, end: 10 << 20 }, /rounds up/],
      [PAGE, { contiguous: 'yes' }, /options\.contiguous/],
      [PAGE, { clear: 1 }, /options\.clear/],
      [PAGE, { topDown: null }, /options\.topDown/],
      [PAGE, { trim: 0 }, /options\.trim/],
    ];
    for (const [size, opts, mention] of bad) {
      rejects(() => mm.alloc(size, opts as never), 'EINVAL', mention);
      assert.equal(snapshot(mm), before, `state changed by alloc(${size}, ${JSON.stringify(opts)})`);
    }
    rejects(() => mm.alloc(PAGE, 5 as never), 'EINVAL', /options/);
    assert.equal(snapshot(mm), before);
    mm.check();
    mm.free(held);
  });

  test(`buddy errors: trim arguments (${name})`, () => {
    const mm = make({ size: 1 << 20 });
    const [block] = mm.alloc(16 * PAGE)! as [BuddyBlock];
    const before = snapshot(mm);
    const bad: [number, number | undefined, RegExp][] = [
      [0, undefined, /newSize = 0/],
      [17 * PAGE, undefined, /newSize = 69632.*block size/],
      [PAGE + 1, undefined, /newSize = 4097/],
      [-PAGE, undefined, /newSize/],
      [PAGE, block.offset - PAGE, /start = .*inside the block/],
      [PAGE, block.offset + 16 * PAGE, /start = .*inside the block/],
      [4 * PAGE, block.offset + 13 * PAGE, /start = .*inside the block/],
      [PAGE, block.offset + 1, /start = .*multiple/],
    ];
    for (const [size, start, mention] of bad) {
      rejects(() => mm.trim(block, size, start), 'EINVAL', mention);
      assert.equal(snapshot(mm), before);
    }
    assert.deepEqual(mm.trim(block, 16 * PAGE), [block], 'trimming to the same size changes nothing');
    const kept = mm.trim(block, 3 * PAGE, block.offset + 4 * PAGE);
    rejects(() => mm.trim(block, PAGE), 'EFAULT', /not allocated/);
    mm.check();
    mm.free(kept);
    assert.equal(mm.avail, mm.size);
  });

  test(`buddy errors: double free and foreign blocks fault (${name})`, () => {
    const mm = make({ size: 1 << 20 });
    const other = make({ size: 1 << 20 });
    const a = mm.alloc(PAGE)!;
    const b = mm.alloc(2 * PAGE)!;
    const foreign = other.alloc(PAGE)!;
    mm.free(a);
    const before = snapshot(mm);
    rejects(() => mm.free(a), 'EFAULT', /blocks\[0\].*not allocated/);
    rejects(() => mm.free([...b, ...a]), 'EFAULT', /blocks\[1\]/);
    rejects(() => mm.free([...b, ...b]), 'EFAULT', /blocks\[1\].*twice/);
    rejects(() => mm.free(foreign), 'EFAULT', /not a block of this allocator/);
    rejects(() => mm.free([{ offset: b[0]!.offset, size: 2 * PAGE, order: 1, clear: false }]), 'EFAULT', /not a block of this allocator/);
    rejects(() => mm.free([null as unknown as BuddyBlock]), 'EINVAL', /blocks\[0\]/);
    rejects(() => mm.free(42 as unknown as BuddyBlock[]), 'EINVAL', /blocks = 42/);
    rejects(() => mm.free(b, { cleared: 'yes' as unknown as boolean }), 'EINVAL', /options\.cleared/);
    rejects(() => mm.trim(a[0]!, PAGE), 'EFAULT', /not allocated/);
    rejects(() => mm.trim(foreign[0]!, PAGE), 'EFAULT', /not a block of this allocator/);
    rejects(() => mm.resetClear('no' as unknown as boolean), 'EINVAL', /isClear/);
    assert.equal(snapshot(mm), before, 'no partial free');
    mm.check();
    // A stale handle stays stale even when its node is reused for a new block.
    const again = mm.alloc(PAGE)!;
    rejects(() => mm.free(a), 'EFAULT', /not allocated/);
    mm.free([...again, ...b]);
    assert.equal(mm.avail, mm.size);
  });
}
